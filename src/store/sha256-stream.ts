import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * A running sha256 fed in file order. `update` resolves once `data` has been read, so its buffer may be reused
 * only after that; updates are hashed in the order they were called.
 */
export interface Sha256Stream {
  update(data: Buffer): Promise<void>;
  digest(): Promise<string>;
  /** Frees the thread (if any); the stream is unusable afterwards. */
  close(): void;
}

/** Files at least this large are hashed on a worker thread; below it the thread's start-up costs more. */
export const WORKER_HASH_MIN_BYTES = 32 << 20;

/** sha256 on the calling thread: for small files. */
export function inThreadSha256(): Sha256Stream {
  const hash = createHash('sha256');
  return {
    update: async (data) => {
      hash.update(data);
    },
    digest: async () => hash.digest('hex'),
    close: () => undefined,
  };
}

/*
 * The worker's whole program. Plain CommonJS evaluated from a string, so it starts in a few milliseconds without
 * the TypeScript loader. A view over a SharedArrayBuffer reaches it without a copy (HTML structured clone shares
 * SharedArrayBuffers); it answers each update with its sequence number once the bytes are hashed.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (m.digest) parentPort.postMessage({ hex: hash.digest('hex') });
  else { hash.update(m.data); parentPort.postMessage({ done: true }); }
});
`;

/**
 * sha256 on a worker thread. Hashing costs about as much CPU as reading the socket (≈1.2 GB/s with SHA-NI on the
 * machine measured); on the thread that reads the socket it halves the download rate, beside it the two overlap.
 * Pass buffers that live on a SharedArrayBuffer (the pipelined writer's do); others are copied once.
 */
export function workerSha256(): Sha256Stream {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const pending: Array<{ resolve: (value: string | undefined) => void; reject: (error: unknown) => void }> =
    [];
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    for (const p of pending.splice(0)) p.reject(failure);
  };
  worker.on('message', (m: { hex?: string }) => pending.shift()?.resolve(m.hex));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the hashing thread exited (code ${code})`)));
  const call = (message: unknown): Promise<string | undefined> =>
    failure !== undefined
      ? Promise.reject(failure)
      : new Promise((resolve, reject) => {
          pending.push({ resolve, reject });
          worker.postMessage(message);
        });
  return {
    update: async (data) => {
      const shared = data.buffer instanceof SharedArrayBuffer ? data : new Uint8Array(data);
      await call({ data: shared });
    },
    digest: async () => (await call({ digest: true })) ?? '',
    close: () => {
      failure ??= new Error('the hashing thread was closed');
      void worker.terminate();
    },
  };
}

/** sha256 of a whole file (one streaming read). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 4 << 20 }))
      hash.update(chunk as Buffer);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return hash.digest('hex');
}
