import { randomBytes } from 'node:crypto';

/** Code-like text, as an agent's prompt mostly is; repeated to any length. */
const PASSAGE = `function mergeRanges(ranges) {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else out.push({ ...range });
  }
  return out;
}
`;

/**
 * A prompt of about `chars` characters. A random tag leads it so no earlier request shares its prefix: the
 * engine's prompt cache is cold for it (sending the same text again is the warm case).
 */
export function fillerPrompt(chars: number, cold = true): string {
  const head = `${cold ? `[${randomBytes(8).toString('hex')}] ` : ''}Summarise what this code does in one line.\n\n`;
  const body = PASSAGE.repeat(Math.ceil(Math.max(0, chars - head.length) / PASSAGE.length) + 1);
  return head + body.slice(0, Math.max(0, chars - head.length));
}
