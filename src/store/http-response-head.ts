/**
 * The status line and header fields of an HTTP/1.1 response, and what a ranged fetch does with them (pure). Only
 * what the direct reader needs: anything unusual makes it hand the request back to node:http.
 */
export interface ResponseHead {
  /** "1.0" or "1.1". */
  version: string;
  status: number;
  /** Field names lower-cased; repeated fields joined with ", " (RFC 9110 §5.3). */
  headers: Map<string, string>;
  /** Bytes of the head including the blank line: the body starts here. */
  headBytes: number;
}

/** A head the reader cannot trust; the connection is closed. */
export class ResponseHeadError extends Error {
  override readonly name = 'ResponseHeadError';
}

/** Heads larger than this are refused (node:http's default --max-http-header-size is 16 KiB). */
export const MAX_HEAD_BYTES = 64 << 10;

const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/;
/** A field name is a token (RFC 9110 §5.1, §5.6.2). */
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Parses a response head from the start of `data`; undefined while the blank line has not arrived. Lines end in
 * CRLF. Folded (obs-fold) lines are refused, as RFC 9112 §5.2 allows, and so are fields that are not `name: value`.
 */
export function parseResponseHead(data: Buffer): ResponseHead | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) {
    if (data.length >= MAX_HEAD_BYTES)
      throw new ResponseHeadError(`response head over ${MAX_HEAD_BYTES} bytes`);
    return undefined;
  }
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new ResponseHeadError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t'))
      throw new ResponseHeadError('folded header line (obs-fold) refused');
    const field = FIELD.exec(line);
    if (!field) throw new ResponseHeadError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = field[1]!.toLowerCase();
    const value = field[2]!;
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return { version: status[1]!, status: Number(status[2]), headers, headBytes: end + 4 };
}

/** What a ranged GET's answer means for the reader. */
export type RangedAnswer =
  /** The asked bytes follow: `bodyBytes` of them, starting at the asked start. */
  | { kind: 'body'; bodyBytes: number; keepAlive: boolean }
  /** Valid HTTP the reader does not handle (redirect, chunked, no length, multipart): node:http takes over. */
  | { kind: 'fallback'; reason: string }
  /** 200: the server ignored Range, or If-Range no longer matched (the file changed). */
  | { kind: 'whole' }
  /** Any other status (416, 4xx, 5xx): an error carrying it. */
  | { kind: 'status'; status: number };

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

/** Classifies the answer to `Range: bytes=start-(end-1)` (RFC 9110 §14, RFC 9112 §6.3 for the body length). */
export function classifyRangedAnswer(
  head: ResponseHead,
  range: { start: number; end: number },
): RangedAnswer {
  const { status, headers } = head;
  if (status >= 300 && status < 400) return { kind: 'fallback', reason: `redirect (${status})` };
  if (status === 200) return { kind: 'whole' };
  if (status !== 206) return { kind: 'status', status };
  if (headers.has('transfer-encoding'))
    return { kind: 'fallback', reason: `transfer-encoding ${headers.get('transfer-encoding')}` };
  const contentRange = CONTENT_RANGE.exec(headers.get('content-range') ?? '');
  if (!contentRange) return { kind: 'fallback', reason: 'a 206 without a single Content-Range' };
  const first = Number(contentRange[1]);
  const last = Number(contentRange[2]);
  if (first !== range.start || last < first || last >= range.end)
    throw new ResponseHeadError(
      `asked bytes ${range.start}-${range.end - 1}, the server sent ${headers.get('content-range')}`,
    );
  const lengthText = headers.get('content-length');
  if (lengthText === undefined) return { kind: 'fallback', reason: 'no Content-Length' };
  if (!/^\d+$/.test(lengthText) || Number(lengthText) !== last - first + 1)
    throw new ResponseHeadError(
      `Content-Length ${lengthText} does not match ${headers.get('content-range')}`,
    );
  const connection = (headers.get('connection') ?? '').toLowerCase();
  const keepAlive = head.version === '1.1' && !/(^|,)\s*close\s*(,|$)/.test(connection);
  return { kind: 'body', bodyBytes: last - first + 1, keepAlive };
}
