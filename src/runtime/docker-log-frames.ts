/**
 * Docker multiplexes stdout and stderr of non-TTY containers into frames: 1 byte stream id, 3 bytes padding,
 * 4 bytes big-endian length, then the payload (Docker Engine API, "Attach to a container" → "Stream format").
 */
export function demuxDockerLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const streamId = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    if (streamId === undefined || streamId > 2 || offset + 8 + length > buffer.length) {
      // Not framed (TTY container) or truncated: return the rest as-is rather than lose it.
      parts.push(buffer.subarray(offset));
      return Buffer.concat(parts).toString('utf8');
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  if (offset < buffer.length) parts.push(buffer.subarray(offset));
  return Buffer.concat(parts).toString('utf8');
}
