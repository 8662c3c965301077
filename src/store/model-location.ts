import { isAbsolute, join, resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { SMOKE_PRESETS, type SmokeSize } from '../models/smoke-model.js';
import type { ManifestEntry } from './types.js';

/**
 * How a Plan names a model (pure). One form per place a model can come from, so the planner writes it, the store
 * resolves it, and `up`, setup and upgrade agree on where the file is:
 *
 * - `hf:OWNER/REPO:FILE` (or `hf:OWNER/REPO#QUANT`): a hub file, resolved through the store's manifest to its blob;
 *   `ops models pull OWNER/REPO:FILE` is how it gets there.
 * - `builtin:ops-smoke-tiny` (or `#Q4_K_M`): the built-in smoke model, written (and quantized) on demand; only for
 *   demos and tests.
 * - anything else: a file or directory path, absolute or relative to the Plan file.
 */
export type ModelLocation =
  | { kind: 'path'; path: string }
  | { kind: 'hub'; repo: string; file?: string; quant?: string }
  | { kind: 'builtin'; size: SmokeSize; quant: string };

const HUB_PREFIX = 'hf:';
const BUILTIN_PREFIX = 'builtin:';
/** The catalog ids of the built-in smoke models (catalog/models/ops-smoke.yaml). */
export const SMOKE_MODEL_IDS: Readonly<Record<string, SmokeSize>> = {
  'ops-smoke-tiny': 'tiny',
  'ops-smoke-bench': 'bench',
};
const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** True when a Plan's `model` value names a store reference rather than a path. */
export function isModelReference(text: string): boolean {
  return text.startsWith(HUB_PREFIX) || text.startsWith(BUILTIN_PREFIX);
}

/** Parses a Plan's `model` value; a malformed reference is a ValidationError at `path`. */
export function parseModelLocation(text: string, fieldPath = 'model'): ModelLocation {
  const bad = (message: string) =>
    new ValidationError('model reference', [{ path: fieldPath, message }], {
      hint: 'write hf:OWNER/REPO:FILE.gguf, hf:OWNER/REPO#Q4_K_M, builtin:ops-smoke-tiny, or a file path',
    });
  if (text.startsWith(HUB_PREFIX)) {
    const rest = text.slice(HUB_PREFIX.length);
    const hash = rest.indexOf('#');
    const colon = rest.indexOf(':');
    if (hash >= 0) {
      const repo = rest.slice(0, hash);
      const quant = rest.slice(hash + 1);
      if (!REPO.test(repo) || !quant) throw bad(`"${text}" is not hf:OWNER/REPO#QUANT`);
      return { kind: 'hub', repo, quant };
    }
    const repo = colon < 0 ? rest : rest.slice(0, colon);
    const file = colon < 0 ? '' : rest.slice(colon + 1);
    if (!REPO.test(repo) || !file || file.includes('..')) throw bad(`"${text}" is not hf:OWNER/REPO:FILE`);
    return { kind: 'hub', repo, file };
  }
  if (text.startsWith(BUILTIN_PREFIX)) {
    const [id = '', quantGiven] = text.slice(BUILTIN_PREFIX.length).split('#');
    const size = SMOKE_MODEL_IDS[id];
    if (!size)
      throw bad(`"${id}" is not a built-in model; known: ${Object.keys(SMOKE_MODEL_IDS).join(', ')}`);
    return { kind: 'builtin', size, quant: quantGiven || SMOKE_PRESETS[size].weightType };
  }
  return { kind: 'path', path: text };
}

/** The text a Plan carries for a location (inverse of parseModelLocation). */
export function formatModelLocation(location: ModelLocation): string {
  if (location.kind === 'path') return location.path;
  if (location.kind === 'hub')
    return `${HUB_PREFIX}${location.repo}${location.file ? `:${location.file}` : `#${location.quant}`}`;
  const id = `ops-smoke-${location.size}`;
  return location.quant === SMOKE_PRESETS[location.size].weightType
    ? `${BUILTIN_PREFIX}${id}`
    : `${BUILTIN_PREFIX}${id}#${location.quant}`;
}

/** Where a planned model comes from, in the form a Plan names it. */
export function plannedModelLocation(entry: {
  modelId: string;
  quant: string;
  source: { kind: 'hf'; repo: string } | { kind: 'builtin' };
  file?: string;
}): ModelLocation {
  const smoke = SMOKE_MODEL_IDS[entry.modelId];
  if (smoke) return { kind: 'builtin', size: smoke, quant: entry.quant };
  if (entry.source.kind === 'hf')
    return entry.file
      ? { kind: 'hub', repo: entry.source.repo, file: entry.file }
      : { kind: 'hub', repo: entry.source.repo, quant: entry.quant };
  throw new ValidationError('planned model', [
    { path: entry.modelId, message: 'a catalog model with no hub repo cannot be located' },
  ]);
}

/** The command that puts a location's file in the store (what `ops plan` and `ops up` print). */
export function fetchCommandFor(location: ModelLocation): string | undefined {
  if (location.kind === 'hub')
    return location.file
      ? `ops models pull ${location.repo}:${location.file}`
      : `ops models pull ${location.repo} --quant ${location.quant}`;
  return undefined;
}

/** Where the base smoke model of a size is written (a plain file beside the store's blobs). */
export function smokeBasePath(modelsDir: string, size: SmokeSize): string {
  return join(modelsDir, `smoke-${size}.gguf`);
}

/**
 * A hub model as the engine needs to see it: its repo's file names in one directory (a split GGUF's shards find
 * each other by name; a vLLM checkpoint is a directory of config, tokenizer and weight files). The store keeps
 * blobs by sha256, so the view is a directory of hard links to them (model-views.ts makes it).
 */
export interface ModelView {
  dir: string;
  files: { path: string; blob: string }[];
}

export type LocateResult =
  | { found: true; path: string; view?: ModelView }
  | { found: false; reason: string; command?: string; creatable: boolean };

/** What locating needs to see of the machine: the store's manifest and which files exist. */
export interface LocateContext {
  planDir: string;
  modelsDir: string;
  manifest: readonly ManifestEntry[];
  blobPath: (sha256: string) => string;
  exists: (path: string) => boolean;
}

/**
 * Resolves a location to the file an engine loads (pure over the context). Hub files resolve to their verified
 * blob (the newest revision when several were pulled); smoke models to their written file or quantized blob.
 */
export function locateModel(location: ModelLocation, ctx: LocateContext): LocateResult {
  if (location.kind === 'path') {
    const path = isAbsolute(location.path) ? location.path : resolve(ctx.planDir, location.path);
    return ctx.exists(path)
      ? { found: true, path }
      : { found: false, reason: `model file not found: ${path}`, creatable: false };
  }
  if (location.kind === 'builtin') {
    const id = `ops-smoke-${location.size}`;
    if (location.quant === SMOKE_PRESETS[location.size].weightType) {
      const path = smokeBasePath(ctx.modelsDir, location.size);
      if (ctx.exists(path)) return { found: true, path };
    } else {
      const blob = newestBlob(
        ctx.manifest.filter((e) => e.id === id && e.variant === location.quant),
        ctx,
      );
      if (blob) return { found: true, path: blob };
    }
    return {
      found: false,
      reason: `the built-in ${id} ${location.quant} is not written yet`,
      creatable: true,
    };
  }
  const present = ctx.manifest.filter((e) => e.id === location.repo && ctx.exists(ctx.blobPath(e.sha256)));
  const named = present.filter((e) =>
    location.file ? e.file === location.file : e.variant.toUpperCase() === location.quant?.toUpperCase(),
  );
  if (named.length > 0) {
    // The newest revision wins; the view holds every file of that revision and variant (all shards).
    const latest = named.reduce((a, b) => (b.addedAt > a.addedAt ? b : a));
    const files = present
      .filter((e) => e.revision === latest.revision && e.variant === latest.variant)
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const dir = join(ctx.modelsDir, 'views', location.repo, latest.revision, latest.variant);
    const view = { dir, files: files.map((e) => ({ path: e.file, blob: ctx.blobPath(e.sha256) })) };
    const ggufs = files.filter((e) => e.file.endsWith('.gguf'));
    const wanted = location.file ?? ggufs[0]?.file;
    // A GGUF loads from its (first) file; a checkpoint without GGUF files is the directory itself.
    return { found: true, path: wanted ? join(dir, wanted) : dir, view };
  }
  const command = fetchCommandFor(location);
  return {
    found: false,
    reason: `${formatModelLocation(location)} is not in the model store`,
    ...(command ? { command } : {}),
    creatable: true,
  };
}

function newestBlob(entries: readonly ManifestEntry[], ctx: LocateContext): string | undefined {
  const present = entries.filter((e) => ctx.exists(ctx.blobPath(e.sha256)));
  if (present.length === 0) return undefined;
  // The newest revision wins; within it the first file by name (shard 00001 of a split GGUF).
  const latest = present.reduce((a, b) => (b.addedAt > a.addedAt ? b : a));
  const sameRevision = present.filter((e) => e.revision === latest.revision);
  const first = sameRevision.reduce((a, b) => (b.file < a.file ? b : a));
  return ctx.blobPath(first.sha256);
}

/** The Plan's `model` value for an entry: the store reference the model locator resolves. */
export function planModelOf(entry: Parameters<typeof plannedModelLocation>[0]): string {
  return formatModelLocation(plannedModelLocation(entry));
}
