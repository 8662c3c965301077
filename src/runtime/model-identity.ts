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

/**
 * The `uid:gid` engines run as: the user who runs ops. The model store belongs to that user (under a home
 * directory that may be 0700), so the engine can read exactly what the user can, and writes nothing as root.
 */
export function hostUser(): string | undefined {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function'
    ? `${process.getuid()}:${process.getgid()}`
    : undefined;
}
