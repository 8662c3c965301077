import { statSync } from 'node:fs';

/**
 * Identity of a model path for the config hash: size and modification time. Cheap (no hashing of gigabytes),
 * and a model rewritten in place still replaces its engine.
 */
export function modelIdentity(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${Math.floor(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}
