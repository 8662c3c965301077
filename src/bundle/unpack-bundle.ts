import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extract } from 'tar';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { sha256OfFile } from '../store/sha256-stream.js';
import { BOX_MANIFEST, BOX_SUMS, type BoxManifest, checkBoxManifest, PARTS_DIR } from './bundle-manifest.js';

/** A bundle unpacked and verified: every part is whole and has the sha256 the manifest gives it. */
export interface VerifiedBundle {
  dir: string;
  manifest: BoxManifest;
  partPath(path: string): string;
}

/** Refusals say which part is wrong; nothing has been used when they are thrown. Exit 5, as for model bundles. */
export function refused(file: string, problems: string[]): OpsError {
  return new OpsError(`${file} is refused: ${problems.join('; ')}`, {
    exitCode: 5,
    hint: 'the bundle is damaged, truncated or was tampered with; nothing was installed from it. Copy it again (or make it again with `ops bundle create`)',
  });
}

function isBundleMember(path: string): boolean {
  const p = path.replace(/^\.\//, '');
  if (p === BOX_MANIFEST || p === BOX_SUMS) return true;
  return p.startsWith(`${PARTS_DIR}/`) && !p.split('/').includes('..');
}

/**
 * Unpacks the bundle into `workDir` (only the bundle's own paths, regular files and directories) and verifies every
 * part against the manifest before anything uses one. Resumable: an unpack of the same file (size and mtime) is not
 * repeated, and a part already verified and unchanged since (size and mtime) is not hashed again.
 */
export async function unpackAndVerify(
  bundle: string,
  workDir: string,
  bus: EventBus,
): Promise<VerifiedBundle> {
  const file = resolve(bundle);
  const s = statSync(file, { throwIfNoEntry: false });
  if (!s?.isFile())
    throw new OpsError(`no bundle at ${file}`, {
      exitCode: 2,
      hint: 'pass the file `ops bundle create` wrote',
    });
  mkdirSync(workDir, { recursive: true });
  const marker = join(workDir, 'unpacked.json');
  const identity = `${s.size}:${s.mtimeMs}`;
  const unpacked = existsSync(marker) && readFileSync(marker, 'utf8').trim() === identity;
  let readError: string | undefined;
  if (unpacked) {
    bus.emit({ kind: 'step:skip', step: 'bundle unpack', reason: 'unpacked in an earlier run' });
  } else {
    const started = Date.now();
    bus.emit({ kind: 'step:start', step: 'bundle unpack', detail: file });
    const strange: string[] = [];
    await extract({
      file,
      cwd: workDir,
      filter: (path, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        const ok = isBundleMember(path) && (type === 'File' || type === 'Directory');
        if (!ok) strange.push(path);
        return ok;
      },
    }).catch((cause: Error) => {
      // A cut-short tar ends early; verification below names the part it cut.
      readError = cause.message;
    });
    if (strange.length > 0)
      throw refused(file, [`it holds paths a bundle never has: ${strange.slice(0, 5).join(', ')}`]);
    if (!readError) writeFileSync(marker, identity);
    bus.emit({ kind: 'step:done', step: 'bundle unpack', durationMs: Date.now() - started });
  }
  const manifestText = existsSync(join(workDir, BOX_MANIFEST))
    ? readFileSync(join(workDir, BOX_MANIFEST), 'utf8')
    : undefined;
  if (manifestText === undefined)
    throw refused(file, [
      `it has no ${BOX_MANIFEST}${readError ? ` (the tar could not be read: ${readError})` : ''}`,
    ]);
  let raw: unknown;
  try {
    raw = JSON.parse(manifestText);
  } catch {
    throw refused(file, [`${BOX_MANIFEST} is not JSON`]);
  }
  const sums = existsSync(join(workDir, BOX_SUMS)) ? readFileSync(join(workDir, BOX_SUMS), 'utf8') : '';
  const { manifest, problems } = checkBoxManifest(raw, sums);
  if (!manifest || problems.length > 0) throw refused(file, problems);

  const verifiedFile = join(workDir, 'verified.json');
  const verified: Record<string, string> = existsSync(verifiedFile)
    ? JSON.parse(readFileSync(verifiedFile, 'utf8'))
    : {};
  const bad: string[] = [];
  const started = Date.now();
  bus.emit({ kind: 'step:start', step: 'bundle verify', detail: `${manifest.parts.length} parts` });
  let n = 0;
  for (const part of manifest.parts) {
    n++;
    const path = join(workDir, part.path);
    const ps = statSync(path, { throwIfNoEntry: false });
    if (!ps) {
      bad.push(`part ${part.path} (${part.what}) is missing${readError ? ': the bundle is truncated' : ''}`);
      continue;
    }
    if (ps.size !== part.bytes) {
      bad.push(
        `part ${part.path} (${part.what}) has ${ps.size} bytes, not ${part.bytes}${readError ? ': the bundle is truncated' : ''}`,
      );
      continue;
    }
    const stamp = `${part.sha256}:${ps.size}:${ps.mtimeMs}`;
    if (verified[part.path] === stamp) continue;
    const actual = await sha256OfFile(path);
    if (actual !== part.sha256) {
      bad.push(`part ${part.path} (${part.what}) has sha256 ${actual}, not ${part.sha256}`);
      continue;
    }
    verified[part.path] = stamp;
    bus.emit({
      kind: 'progress',
      step: 'bundle verify',
      done: n,
      total: manifest.parts.length,
      unit: 'items',
    });
  }
  writeFileSync(verifiedFile, JSON.stringify(verified));
  if (bad.length > 0) {
    // The next run unpacks again: a part damaged after unpacking is replaced from the bundle, if the bundle is whole.
    rmSync(marker, { force: true });
    throw refused(file, bad);
  }
  bus.emit({ kind: 'step:done', step: 'bundle verify', durationMs: Date.now() - started });
  return { dir: workDir, manifest, partPath: (p) => join(workDir, p) };
}

/** Where a bundle is unpacked under the state directory: one directory per bundle file (path, size, mtime). */
export function workDirFor(stateRoot: string, bundle: string): string {
  const file = resolve(bundle);
  const s = statSync(file, { throwIfNoEntry: false });
  const key = createHash('sha256').update(`${file}:${s?.size}:${s?.mtimeMs}`).digest('hex').slice(0, 16);
  return join(stateRoot, 'bundle', key);
}
