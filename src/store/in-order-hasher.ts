import { createHash } from 'node:crypto';
import { type ByteRange, contiguousEnd } from './byte-ranges.js';

const READ_BYTES = 4 << 20;

/**
 * Computes a file's sha256 while parallel ranges are still arriving, so verification costs no extra pass at the
 * end. Bytes written exactly where the hash has reached are hashed from memory; bytes that arrived out of order
 * are read back (from the page cache) once everything before them is on disk. A resumed download re-reads what
 * an earlier run wrote, since a hash state cannot be saved across processes.
 */
export class InOrderHasher {
  private readonly hash = createHash('sha256');
  private hashedTo = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly read: (buffer: Buffer, position: number) => Promise<number>,
    private readonly doneRanges: () => readonly ByteRange[],
  ) {}

  /** Bytes hashed so far (a prefix of the file). */
  get hashedBytes(): number {
    return this.hashedTo;
  }

  /** Tells the hasher that `[position, position + data.length)` is now on disk (and in the done ranges). */
  written(position: number, data: Buffer): void {
    if (!this.running && position === this.hashedTo) {
      this.hash.update(data);
      this.hashedTo += data.length;
      return;
    }
    this.kick();
  }

  /** Hashes whatever contiguous prefix is on disk, in the background. */
  kick(): void {
    this.running ??= this.catchUp()
      .catch((error) => {
        this.failure = error;
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
    return this.hash.digest('hex');
  }

  private async catchUp(): Promise<void> {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const end = contiguousEnd(this.doneRanges(), this.hashedTo);
      if (end <= this.hashedTo) return;
      const want = Math.min(READ_BYTES, end - this.hashedTo);
      const n = await this.read(buffer.subarray(0, want), this.hashedTo);
      if (n <= 0) throw new Error(`read returned no bytes at ${this.hashedTo}`);
      this.hash.update(buffer.subarray(0, n));
      this.hashedTo += n;
    }
  }
}
