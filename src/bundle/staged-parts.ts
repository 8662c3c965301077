import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256OfFile } from '../store/sha256-stream.js';
import type { BundlePart, PartKind } from './bundle-manifest.js';

/**
 * The bundle's parts as they are made, in a staging directory beside the output (`<out>.parts/`). Each part is
 * written under a temporary name, hashed, renamed, and recorded in `done.json`; a re-run finds it there (same size on
 * disk) and does not make it again. So an interrupted `ops bundle create` resumes where it stopped.
 */
export class StagedParts {
  private readonly record: string;
  private readonly done: Map<string, BundlePart>;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.record = join(dir, 'done.json');
    const saved = existsSync(this.record)
      ? (JSON.parse(readFileSync(this.record, 'utf8')) as BundlePart[])
      : [];
    this.done = new Map(saved.map((p) => [p.path, p]));
  }

  /** A part already made in an earlier run, still whole on disk. */
  made(path: string): BundlePart | undefined {
    const p = this.done.get(path);
    if (!p) return undefined;
    const size = existsSync(join(this.dir, path)) ? statSync(join(this.dir, path)).size : -1;
    return size === p.bytes ? p : undefined;
  }

  /** Makes a part: `write` fills the temporary file it is given; then it is hashed, renamed and recorded. */
  async make(
    path: string,
    kind: PartKind,
    what: string,
    write: (file: string) => Promise<void>,
  ): Promise<BundlePart> {
    const target = join(this.dir, path);
    const partial = `${target}.partial`;
    mkdirSync(dirname(target), { recursive: true });
    rmSync(partial, { force: true });
    await write(partial);
    const part: BundlePart = {
      path,
      kind,
      what,
      bytes: statSync(partial).size,
      sha256: await sha256OfFile(partial),
    };
    renameSync(partial, target);
    this.done.set(path, part);
    writeFileSync(this.record, `${JSON.stringify([...this.done.values()], null, 1)}\n`);
    return part;
  }

  /** Records a file that was placed in the staging directory by other means (a downloaded .deb). */
  async adopt(path: string, kind: PartKind, what: string): Promise<BundlePart> {
    const file = join(this.dir, path);
    const part: BundlePart = {
      path,
      kind,
      what,
      bytes: statSync(file).size,
      sha256: await sha256OfFile(file),
    };
    this.done.set(path, part);
    writeFileSync(this.record, `${JSON.stringify([...this.done.values()], null, 1)}\n`);
    return part;
  }
}
