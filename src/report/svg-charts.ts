/**
 * Small inline SVG charts for the HTML report: bars (optionally stacked), lines, a reference line. Drawn by hand
 * so the report is one self-contained file that prints the same everywhere.
 */
export interface Series {
  name: string;
  values: (number | null)[];
  color: string;
  /** Draw points from this index on dashed (a projection). */
  dashedFrom?: number;
}

export interface ChartOptions {
  title: string;
  labels: string[];
  /** Bars: stacked in the order given. */
  bars?: Series[];
  /** Lines on the same axis as the bars unless `rightAxis` is given. */
  lines?: Series[];
  rightAxis?: { unit: string; series: Series[] };
  unit: string;
  yMin?: number;
  yMax?: number;
  reference?: { value: number; label: string };
  /** Colour a bar by its value (e.g. red below target). */
  barColor?: (value: number, index: number) => string | undefined;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) =>
  Math.abs(n) >= 1000
    ? `${Math.round(n / 100) / 10}k`
    : Math.abs(n) >= 10
      ? String(Math.round(n))
      : String(Math.round(n * 100) / 100);

/** A "nice" upper bound and tick step for an axis from 0 (or yMin) to max. */
function niceScale(min: number, max: number): { min: number; max: number; step: number } {
  const span = max - min || 1;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  return { min, max: min + Math.ceil(span / step) * step, step };
}

/** Renders one chart as an `<svg>` element string. */
export function renderChart(o: ChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 240;
  const pad = { l: 48, r: o.rightAxis ? 44 : 14, t: 42, b: 30 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const n = o.labels.length;
  const stackTotals = o.labels.map((_, i) => (o.bars ?? []).reduce((s, b) => s + (b.values[i] ?? 0), 0));
  const lineMax = Math.max(0, ...(o.lines ?? []).flatMap((l) => l.values.map((v) => v ?? 0)));
  const left = niceScale(
    o.yMin ?? 0,
    o.yMax ?? Math.max(...stackTotals, lineMax, o.reference?.value ?? 0, 1e-9),
  );
  const y = (v: number) =>
    pad.t + ih - ((Math.min(Math.max(v, left.min), left.max) - left.min) / (left.max - left.min)) * ih;
  const slot = iw / Math.max(1, n);
  const x = (i: number) => pad.l + slot * i + slot / 2;
  const parts: string[] = [];
  parts.push(`<text x="${pad.l}" y="16" class="chart-title">${esc(o.title)}</text>`);
  for (let v = left.min; v <= left.max + 1e-9; v += left.step) {
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${fmt(v)}</text>`);
  }
  parts.push(
    `<text x="12" y="${pad.t + ih / 2}" transform="rotate(-90 12 ${pad.t + ih / 2})" text-anchor="middle" class="tick">${esc(o.unit)}</text>`,
  );
  const every = Math.max(1, Math.ceil(n / 16));
  o.labels.forEach((label, i) => {
    if (i % every === 0)
      parts.push(
        `<text x="${x(i)}" y="${H - pad.b + 16}" text-anchor="middle" class="tick">${esc(label)}</text>`,
      );
  });
  const bw = Math.max(1, slot * 0.72);
  const base = o.labels.map(() => left.min);
  for (const bar of o.bars ?? []) {
    bar.values.forEach((v, i) => {
      if (v === null) return;
      const y0 = y(base[i]!);
      const y1 = y(base[i]! + v);
      base[i] = base[i]! + v;
      const flagged = o.barColor?.(v, i);
      // A flagged bar stays visible even at zero (a day fully down must not look like a day with no bar).
      const height = flagged ? Math.max(2, Math.abs(y0 - y1)) : Math.abs(y0 - y1);
      parts.push(
        `<rect x="${x(i) - bw / 2}" y="${Math.max(y0, y1) - height}" width="${bw}" height="${height}" fill="${flagged ?? bar.color}"><title>${esc(`${o.labels[i]}: ${bar.name} ${fmt(v)} ${o.unit}`)}</title></rect>`,
      );
    });
  }
  const drawLine = (s: Series, yOf: (v: number) => number) => {
    const pts = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${yOf(v).toFixed(1)}`));
    const cut = s.dashedFrom ?? pts.length;
    const solid = pts.slice(0, cut).filter(Boolean);
    const dashed = pts.slice(Math.max(0, cut - 1)).filter(Boolean);
    if (solid.length > 0)
      parts.push(`<polyline points="${solid.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    if (cut < pts.length && dashed.length > 1)
      parts.push(
        `<polyline points="${dashed.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="5 4"/>`,
      );
  };
  for (const line of o.lines ?? []) drawLine(line, y);
  if (o.rightAxis) {
    const rmax = Math.max(1e-9, ...o.rightAxis.series.flatMap((s) => s.values.map((v) => v ?? 0)));
    const right = niceScale(0, rmax);
    const yr = (v: number) => pad.t + ih - (v / right.max) * ih;
    for (let v = 0; v <= right.max + 1e-9; v += right.step) {
      parts.push(`<text x="${W - pad.r + 6}" y="${yr(v) + 4}" class="tick">${fmt(v)}</text>`);
    }
    parts.push(
      `<text x="${W - 8}" y="${pad.t + ih / 2}" transform="rotate(90 ${W - 8} ${pad.t + ih / 2})" text-anchor="middle" class="tick">${esc(o.rightAxis.unit)}</text>`,
    );
    for (const s of o.rightAxis.series) drawLine(s, yr);
  }
  const legend: { name: string; color: string; line?: boolean }[] = [
    ...(o.bars ?? []),
    ...(o.lines ?? []),
    ...(o.rightAxis?.series ?? []),
  ];
  if (o.reference) {
    const ry = y(o.reference.value);
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${ry}" y2="${ry}" class="reference"/>`);
    legend.push({ name: o.reference.label, color: '#c53030', line: true });
  }
  // The legend sits on its own row under the title, right-aligned.
  let lx = W - pad.r;
  for (const s of [...legend].reverse()) {
    lx -= s.name.length * 6.5 + 26;
    const swatch = s.line
      ? `<line x1="${lx}" x2="${lx + 12}" y1="27" y2="27" class="reference"/>`
      : `<rect x="${lx}" y="22" width="10" height="10" fill="${s.color}"/>`;
    parts.push(`${swatch}<text x="${lx + 16}" y="31" class="tick">${esc(s.name)}</text>`);
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
