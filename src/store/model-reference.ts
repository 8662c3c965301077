import { ValidationError } from '../core/errors.js';

/** What `ops models pull <ref>` names: a hub repo (optionally one file), an HTTP(S) URL, or a local file. */
export type ModelReference =
  | { kind: 'hub'; repo: string; file: string | undefined }
  | { kind: 'url'; url: string }
  | { kind: 'local'; path: string };

const REPO = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/**
 * Parses a pull argument (pure). `owner/name[:file]` is a hub repo; http(s):// is a URL; a path that starts with
 * `/`, `.` or `~`, or that `isLocalFile` says exists, is a local file.
 */
export function parseModelReference(
  text: string,
  isLocalFile: (path: string) => boolean = () => false,
): ModelReference {
  const value = text.trim();
  if (/^https?:\/\//i.test(value)) return { kind: 'url', url: value };
  if (/^[/.~]/.test(value) || isLocalFile(value)) return { kind: 'local', path: value };
  const colon = value.indexOf(':');
  const repo = colon < 0 ? value : value.slice(0, colon);
  const file = colon < 0 ? undefined : value.slice(colon + 1);
  if (!REPO.test(repo) || repo.includes('..') || file === '') {
    throw new ValidationError(
      'model reference',
      [{ path: 'model', message: `"${text}" is not owner/name[:file], an http(s) URL or a local path` }],
      { hint: 'e.g. Qwen/Qwen2.5-Coder-7B-Instruct-GGUF --quant Q4_K_M, or org/repo:model-q8_0.gguf' },
    );
  }
  return { kind: 'hub', repo, file };
}
