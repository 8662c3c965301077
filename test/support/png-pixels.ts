import { inflateSync } from 'node:zlib';

/** A decoded PNG: width, height and RGBA bytes. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Decodes the PNGs Chromium writes (8-bit RGB or RGBA, not interlaced) so tests can look at what was drawn. Only
 * that subset of PNG (www.w3.org/TR/png: chunks, zlib IDAT, per-row filters 0–4).
 */
export function decodePng(png: Buffer): Pixels {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels]! : 0;
      const b = previous[x]!;
      const c = x >= channels ? previous[x - channels]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
      row[x] = (line[x]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = row[x * channels]!;
      out[o + 1] = row[x * channels + 1]!;
      out[o + 2] = row[x * channels + 2]!;
      out[o + 3] = channels === 4 ? row[x * channels + 3]! : 255;
    }
    previous = row;
  }
  return { width, height, rgba: out };
}

/** Pixels within `tolerance` of an RGB colour (`#3182ce`) inside an optional rectangle. */
export function countColour(
  p: Pixels,
  hex: string,
  tolerance = 24,
  rect = { x: 0, y: 0, width: p.width, height: p.height },
): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
  let n = 0;
  for (let y = Math.max(0, rect.y); y < Math.min(p.height, rect.y + rect.height); y++) {
    for (let x = Math.max(0, rect.x); x < Math.min(p.width, rect.x + rect.width); x++) {
      const o = (y * p.width + x) * 4;
      if (
        Math.abs(p.rgba[o]! - r) <= tolerance &&
        Math.abs(p.rgba[o + 1]! - g) <= tolerance &&
        Math.abs(p.rgba[o + 2]! - b) <= tolerance
      )
        n++;
    }
  }
  return n;
}

/** The share of pixels that are not (near) white. */
export function inkShare(p: Pixels): number {
  let ink = 0;
  for (let o = 0; o < p.rgba.length; o += 4)
    if (p.rgba[o]! < 235 || p.rgba[o + 1]! < 235 || p.rgba[o + 2]! < 235) ink++;
  return ink / (p.width * p.height);
}
