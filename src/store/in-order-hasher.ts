import { type ByteRange, contiguousEnd } from './byte-ranges.js';
import type { Sha256Stream } from './sha256-stream.js';

const READ_BYTES = 4 << 20;

/**
 * Computes a file's sha256 while parallel ranges are still arriving, so verification costs no extra pass at the
 * end. Bytes that arrive exactly where the hash has reached are hashed from memory (while they are being written);
 * bytes that arrived out of order are read back (from the page cache) once everything before them is on disk. A
 * resumed download re-reads what an earlier run wrote, since a hash state cannot be saved across processes.
 */
export class InOrderHasher {
  private hashedTo = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly hash: Sha256Stream,
    private readonly read: (buffer: Buffer, position: number) => Promise<number>,
    private readonly doneRanges: () => readonly ByteRange[],
  ) {}

  /** Bytes hashed (or being hashed) so far: a prefix of the file. */
  get hashedBytes(): number {
    return this.hashedTo;
  }

  /**
   * Offers bytes about to be written at `position`. When they are the next bytes of the file they are hashed from
   * memory and the returned promise says when `data` may be reused; otherwise undefined, and the caller calls
   * `kick` once they are on disk (and in the done ranges).
   */
  offer(position: number, data: Buffer): Promise<void> | undefined {
    if (this.running || position !== this.hashedTo || this.failure !== undefined) return undefined;
    this.hashedTo += data.length;
    return this.hash.update(data);
  }

  /** Hashes whatever contiguous prefix is on disk, in the background. */
  kick(): void {
    this.running ??= this.catchUp()
      .catch((error) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Finishes hashing `[0, size)` (everything must be on disk) and returns the hex digest. */
  async digest(size: number): Promise<string> {
    while (this.running) await this.running;
    this.kick();
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
    if (this.hashedTo !== size)
      throw new Error(`hashed ${this.hashedTo} of ${size} bytes: the file has a hole`);
    return this.hash.digest();
  }

  private async catchUp(): Promise<void> {
    const buffer = Buffer.from(new SharedArrayBuffer(READ_BYTES));
    for (;;) {
      const end = contiguousEnd(this.doneRanges(), this.hashedTo);
      if (end <= this.hashedTo) return;
      const want = Math.min(READ_BYTES, end - this.hashedTo);
      const n = await this.read(buffer.subarray(0, want), this.hashedTo);
      if (n <= 0) throw new Error(`read returned no bytes at ${this.hashedTo}`);
      this.hashedTo += n;
      await this.hash.update(buffer.subarray(0, n));
    }
  }
}
