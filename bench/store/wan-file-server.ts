/**
 * The far end of the WAN benchmark: one file served over HTTP/1.1 with Range, If-Range and a strong ETag (what a
 * hub CDN answers for an LFS file), shaped as a wide-area server is seen from a client:
 *
 * - every response head waits one round trip (the request going out, the first byte coming back), and the first
 *   request on a new connection one more (the TCP handshake, which a user-space server cannot delay itself);
 * - every connection's body is paced to `perConnectionMBps` (CDNs cap each connection; that is why downloaders
 *   open several), writing 64 KiB at a time.
 *
 *   ip netns exec NS node --import tsx bench/store/wan-file-server.ts FILE SHA256 HOST PORT RTT_MS MBPS
 *
 * Prints `listening` when ready. Run by wan-download.ts inside the WAN link's namespace.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const [path, sha256, host, port, rttArg, mbpsArg] = process.argv.slice(2);
const rttMs = Number(rttArg);
const bytesPerMs = (Number(mbpsArg) * 1e6) / 1000;
const size = (await stat(path!)).size;
const etag = `"${sha256}"`;
const seen = new WeakSet<Socket>();

const server = createServer(async (req, res) => {
  const fresh = !seen.has(req.socket);
  seen.add(req.socket);
  await sleep(fresh ? 2 * rttMs : rttMs);
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range && (ifRange === undefined || ifRange === etag)) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    status = 206;
  }
  res.writeHead(status, {
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    etag,
    ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const began = performance.now();
  let sent = 0;
  const body = createReadStream(path!, { start, end, highWaterMark: 64 << 10 });
  res.once('close', () => body.destroy());
  try {
    for await (const chunk of body) {
      // Pace: never ahead of the per-connection rate since this response began.
      const due = began + sent / bytesPerMs - performance.now();
      if (due > 1) await sleep(due);
      sent += (chunk as Buffer).length;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), host, () => console.log('listening'));
