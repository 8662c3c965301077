import { OpsError } from '../core/errors.js';
import { LLAMA_FILE_TYPES } from '../models/gguf/ggml-types.js';
import type { RemoteFile } from './types.js';

/** Which files of a repo make one variant, and the variant's name. */
export interface FileSelection<F extends RemoteFile> {
  variant: string;
  files: F[];
}

// Longest names first so `Q4_K_M` wins over `Q4_K`, and `Q4_0` is not read out of `IQ4_0…`.
const QUANT_NAMES = [...LLAMA_FILE_TYPES.map((t) => t.name), 'Q4_K', 'Q5_K', 'Q3_K'].sort(
  (a, b) => b.length - a.length,
);

/** The quantization a GGUF file name announces (`…-Q4_K_M.gguf` → Q4_K_M), by the naming convention of GGUF repos. */
export function quantFromFileName(name: string): string | undefined {
  const base = (name.split('/').pop() ?? name).toUpperCase();
  for (const quant of QUANT_NAMES) {
    const at = base.indexOf(quant);
    if (at < 0) continue;
    const before = at === 0 ? '' : base[at - 1]!;
    const after = base[at + quant.length] ?? '';
    if (/^[^A-Z0-9]?$/.test(before) && /^[^A-Z0-9]?$/.test(after)) return quant;
  }
  return undefined;
}

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * Picks what to pull from a repo listing (pure): the named file (with its sibling shards when it is one part of a
 * split GGUF), else the GGUF files of the asked quant, else the only quant there is, else — for repos without GGUF
 * files (safetensors checkpoints) — every file. Asking among several quants without `--quant` is an error that
 * lists them.
 */
export function selectFiles<F extends RemoteFile>(
  repo: string,
  files: readonly F[],
  want: { file?: string; quant?: string },
): FileSelection<F> {
  const quant = want.quant?.toUpperCase();
  if (want.file) {
    const file = files.find((f) => f.path === want.file);
    if (!file) {
      const names = files.filter((f) => f.path.endsWith('.gguf')).map((f) => f.path);
      throw new OpsError(`${repo} has no file ${want.file}`, {
        hint: names.length ? `its GGUF files: ${names.slice(0, 12).join(', ')}` : 'check the file name',
      });
    }
    const split = SPLIT.exec(file.path);
    const parts = split
      ? files.filter((f) => f.path.replace(SPLIT, '') === file.path.replace(SPLIT, '') && SPLIT.test(f.path))
      : [file];
    return { variant: quant ?? quantFromFileName(file.path) ?? 'default', files: sortByPath(parts) };
  }
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith('.gguf'));
  if (ggufs.length === 0) {
    if (quant)
      throw new OpsError(`${repo} has no GGUF files, so --quant ${quant} cannot be chosen`, {
        hint: 'pull it without --quant (a safetensors checkpoint), or pick a GGUF repo',
      });
    return { variant: 'default', files: sortByPath(files.filter((f) => f.path !== '.gitattributes')) };
  }
  const byQuant = new Map<string, F[]>();
  for (const f of ggufs) {
    const q = quantFromFileName(f.path) ?? 'default';
    byQuant.set(q, [...(byQuant.get(q) ?? []), f]);
  }
  const available = [...byQuant.keys()].sort();
  if (quant) {
    const chosen = byQuant.get(quant);
    if (!chosen)
      throw new OpsError(`${repo} has no ${quant} GGUF`, { hint: `available: ${available.join(', ')}` });
    return { variant: quant, files: sortByPath(chosen) };
  }
  if (byQuant.size === 1) return { variant: available[0]!, files: sortByPath(ggufs) };
  throw new OpsError(`${repo} has GGUF files in ${byQuant.size} quantizations; say which`, {
    hint: `add --quant with one of: ${available.join(', ')} (or name a file: ${repo}:<file>)`,
  });
}

function sortByPath<F extends RemoteFile>(files: readonly F[]): F[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
}
