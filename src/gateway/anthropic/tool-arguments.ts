/** A tool call's arguments as the gateway hands them to Anthropic clients: an object, or why not. */
export type ParsedArguments = { ok: true; input: Record<string, unknown> } | { ok: false; raw: string };

/**
 * Parses a tool call's argument text, repairing only what has one reading: empty text is `{}`; an object
 * encoded twice (a JSON string holding an object, which some templates produce) is decoded once more; a
 * Markdown code fence around the object is removed. Anything else that is not a JSON object is not guessed
 * at (a cut-off object could be closed in more than one way). Used for streamed and complete answers alike,
 * so both give the same input for the same call.
 */
export function parseToolArguments(text: string): ParsedArguments {
  const trimmed = stripFence(text.trim());
  if (!trimmed) return { ok: true, input: {} };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, raw: text };
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, raw: text };
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value))
    return { ok: true, input: value as Record<string, unknown> };
  return { ok: false, raw: text };
}

/** The input a client gets: the parsed object, or the text kept under `_raw` so the model sees its mistake. */
export function toolInput(text: string): Record<string, unknown> {
  const parsed = parseToolArguments(text);
  return parsed.ok ? parsed.input : { _raw: parsed.raw };
}

function stripFence(text: string): string {
  const m = text.match(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/);
  return m ? m[1]!.trim() : text;
}
