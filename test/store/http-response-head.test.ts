import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyRangedAnswer,
  MAX_HEAD_BYTES,
  parseResponseHead,
  type RangedAnswer,
  ResponseHeadError,
} from '../../src/store/http-response-head.js';

const head = (...lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
/** The range asked in every case: bytes 100-199. */
const RANGE = { start: 100, end: 200 };

describe('parseResponseHead', () => {
  test('a normal 206 head: status, lower-cased names, where the body starts', () => {
    const bytes = Buffer.concat([
      head('HTTP/1.1 206 Partial Content', 'Content-Length: 100', 'ETag: "abc"'),
      Buffer.from('BODY'),
    ]);
    const parsed = parseResponseHead(bytes);
    assert.ok(parsed);
    assert.equal(parsed.status, 206);
    assert.equal(parsed.version, '1.1');
    assert.equal(parsed.headers.get('content-length'), '100');
    assert.equal(parsed.headers.get('etag'), '"abc"');
    assert.equal(bytes.subarray(parsed.headBytes).toString(), 'BODY');
  });

  test('an incomplete head is not parsed yet', () => {
    assert.equal(parseResponseHead(Buffer.from('HTTP/1.1 206 Partial Content\r\nContent-Le')), undefined);
  });

  test('names in any case are the same field; repeated fields are joined', () => {
    const parsed = parseResponseHead(head('HTTP/1.1 206 OK', 'CONTENT-LENGTH: 5', 'x-a: 1', 'X-A: 2'));
    assert.equal(parsed?.headers.get('content-length'), '5');
    assert.equal(parsed?.headers.get('x-a'), '1, 2');
  });

  test('a status line without a reason phrase is accepted', () => {
    assert.equal(parseResponseHead(head('HTTP/1.1 206'))?.status, 206);
  });

  const refused: Array<[string, Buffer]> = [
    ['a folded header line (obs-fold)', head('HTTP/1.1 206 OK', 'X-Long: part one', ' part two')],
    ['a field without a colon', head('HTTP/1.1 206 OK', 'Content-Length 5')],
    ['a space before the colon', head('HTTP/1.1 206 OK', 'Content-Length : 5')],
    ['HTTP/2 status line', head('HTTP/2 206')],
    ['not HTTP at all', head('SSH-2.0-OpenSSH_9.2')],
  ];
  for (const [name, bytes] of refused) {
    test(`refused: ${name}`, () => {
      assert.throws(() => parseResponseHead(bytes), ResponseHeadError);
    });
  }

  test(`a head over ${MAX_HEAD_BYTES} bytes without its blank line is refused`, () => {
    assert.throws(
      () => parseResponseHead(Buffer.alloc(MAX_HEAD_BYTES, 'a')),
      (e: Error) => e instanceof ResponseHeadError && /over/.test(e.message),
    );
  });
});

describe('classifyRangedAnswer', () => {
  const cases: Array<[string, Buffer, RangedAnswer]> = [
    [
      'a 206 with the asked range and its length',
      head('HTTP/1.1 206 Partial Content', 'Content-Range: bytes 100-199/1000', 'Content-Length: 100'),
      { kind: 'body', bodyBytes: 100, keepAlive: true },
    ],
    [
      'upper-case names work the same',
      head('HTTP/1.1 206 Partial Content', 'CONTENT-RANGE: bytes 100-199/1000', 'CONTENT-LENGTH: 100'),
      { kind: 'body', bodyBytes: 100, keepAlive: true },
    ],
    [
      'a shorter range than asked (the server caps it)',
      head('HTTP/1.1 206 Partial Content', 'Content-Range: bytes 100-149/*', 'Content-Length: 50'),
      { kind: 'body', bodyBytes: 50, keepAlive: true },
    ],
    [
      'Connection: close means no reuse',
      head(
        'HTTP/1.1 206 OK',
        'Content-Range: bytes 100-199/1000',
        'Content-Length: 100',
        'Connection: Close',
      ),
      { kind: 'body', bodyBytes: 100, keepAlive: false },
    ],
    [
      'HTTP/1.0 means no reuse',
      head('HTTP/1.0 206 OK', 'Content-Range: bytes 100-199/1000', 'Content-Length: 100'),
      { kind: 'body', bodyBytes: 100, keepAlive: false },
    ],
    [
      'no Content-Length: node:http reads it',
      head('HTTP/1.1 206 OK', 'Content-Range: bytes 100-199/1000'),
      { kind: 'fallback', reason: 'no Content-Length' },
    ],
    [
      'chunked: node:http reads it',
      head('HTTP/1.1 206 OK', 'Content-Range: bytes 100-199/1000', 'Transfer-Encoding: chunked'),
      { kind: 'fallback', reason: 'transfer-encoding chunked' },
    ],
    [
      'multipart/byteranges (no single Content-Range)',
      head('HTTP/1.1 206 OK', 'Content-Type: multipart/byteranges; boundary=x', 'Content-Length: 300'),
      { kind: 'fallback', reason: 'a 206 without a single Content-Range' },
    ],
    [
      'a redirect',
      head('HTTP/1.1 302 Found', 'Location: https://elsewhere/x'),
      { kind: 'fallback', reason: 'redirect (302)' },
    ],
    [
      '200: Range ignored or the file changed',
      head('HTTP/1.1 200 OK', 'Content-Length: 1000'),
      { kind: 'whole' },
    ],
    [
      '416: range not satisfiable',
      head('HTTP/1.1 416 Range Not Satisfiable', 'Content-Range: bytes */50'),
      { kind: 'status', status: 416 },
    ],
    ['503', head('HTTP/1.1 503 Service Unavailable', 'Content-Length: 0'), { kind: 'status', status: 503 }],
  ];
  for (const [name, bytes, expected] of cases) {
    test(name, () => {
      const parsed = parseResponseHead(bytes);
      assert.ok(parsed);
      assert.deepEqual(classifyRangedAnswer(parsed, RANGE), expected);
    });
  }

  const broken: Array<[string, Buffer]> = [
    [
      'a range that starts elsewhere',
      head('HTTP/1.1 206 OK', 'Content-Range: bytes 0-99/1000', 'Content-Length: 100'),
    ],
    [
      'a range past the asked end',
      head('HTTP/1.1 206 OK', 'Content-Range: bytes 100-299/1000', 'Content-Length: 200'),
    ],
    [
      'a length that disagrees with the range',
      head('HTTP/1.1 206 OK', 'Content-Range: bytes 100-199/1000', 'Content-Length: 99'),
    ],
  ];
  for (const [name, bytes] of broken) {
    test(`refused: ${name}`, () => {
      assert.throws(() => classifyRangedAnswer(parseResponseHead(bytes)!, RANGE), ResponseHeadError);
    });
  }
});
