import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { CommandError, OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import { baseLabels, LABEL } from '../core/labels.js';
import { llamaFileTypeByName } from '../models/gguf/ggml-types.js';
import { readGgufFile } from '../models/gguf/gguf-reader.js';
import { connectRuntime } from '../runtime/connect-runtime.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { admitVerifiedFile } from './blob-store.js';
import { ensureFreeSpace, type FreeSpaceProbe, statfsFreeBytes } from './disk-space.js';
import { matchEntries } from './list-models.js';
import { readManifest, updateManifest, upsertEntry } from './manifest.js';
import { sha256OfFile } from './sha256-stream.js';
import { ensureStoreDirs, type StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

/** The engine image that carries /usr/bin/llama-quantize (`ops images build llama.cpp`). */
export const QUANTIZE_IMAGE = 'ops/llama.cpp:cpu';
/** Deployment label of quantize containers (role `job`), so cleanup by label finds leftovers. */
export const QUANTIZE_DEPLOYMENT = 'models';
/** A 400B model on a slow disk takes hours; a job still running after this long is wedged. */
const QUANTIZE_TIMEOUT_MS = 12 * 3_600_000;

export interface QuantizeOptions {
  /** The source model: `id`, `id:variant` or a sha256 prefix (a F16/F32/BF16 GGUF for best results). */
  selector: string;
  /** llama.cpp file type: Q4_K_M, Q5_K_M, Q8_0, Q4_0… */
  to: string;
  revision?: string;
  image?: string;
  threads?: number;
  deployment?: string;
  runtime?: ContainerRuntime;
  bus?: EventBus;
  freeSpace?: FreeSpaceProbe;
}

export interface QuantizeResult {
  entry: ManifestEntry;
  path: string;
  /** True when the store already held this quantization of the source. */
  reused: boolean;
}

/**
 * `ops models quantize`: runs llama-quantize in the engine image (the blob directory mounted read-only, the output
 * written to scratch space as the invoking user), checks that the output's GGUF header reads back with the asked
 * file type, and admits it to the store as a new variant of the same model.
 */
export async function quantizeModel(layout: StoreLayout, options: QuantizeOptions): Promise<QuantizeResult> {
  const bus = options.bus ?? silentBus();
  const fileType = llamaFileTypeByName(options.to);
  if (!fileType || fileType.name === 'F32') {
    throw new OpsError(`unknown quantization ${options.to}`, {
      hint: 'use a llama.cpp type such as Q4_K_M, Q5_K_M, Q6_K, Q8_0, Q4_0',
    });
  }
  await ensureStoreDirs(layout);
  const { entries } = await readManifest(layout);
  const source = pickSource(entries, options.selector, options.revision);
  const done = entries.find(
    (e) =>
      e.source.kind === 'quantize' && e.source.from === source.sha256 && e.source.fileType === fileType.name,
  );
  if (done) return { entry: done, path: join(layout.blobsDir, done.sha256), reused: true };
  // The output is at most the size of the source (quantizing only shrinks).
  await ensureFreeSpace(layout.root, source.bytes, options.freeSpace ?? statfsFreeBytes);

  const runtime = options.runtime ?? (await connectRuntime());
  const outDir = join(layout.tmpDir, `quantize-${randomBytes(4).toString('hex')}`);
  await mkdir(outDir, { recursive: true });
  const step = `quantize ${source.id} → ${fileType.name}`;
  try {
    const log = await runQuantizeContainer(runtime, {
      image: options.image ?? QUANTIZE_IMAGE,
      blobsDir: layout.blobsDir,
      outDir,
      sourceSha: source.sha256,
      fileType: fileType.name,
      threads: options.threads,
      labels: baseLabels(
        options.deployment ?? QUANTIZE_DEPLOYMENT,
        'job',
        `quantize-${source.sha256.slice(0, 12)}`,
      ),
      onProgress: (done, total) => bus.emit({ kind: 'progress', step, done, total, unit: 'items' }),
    });
    const output = join(outDir, 'model.gguf');
    const gguf = await readGgufFile(output).catch((cause) => {
      throw new OpsError(`llama-quantize wrote no readable GGUF: ${(cause as Error).message}`, {
        cause,
        hint: log.slice(-800),
      });
    });
    if (gguf.fileType?.name !== fileType.name) {
      throw new OpsError(
        `the quantized file says type ${gguf.fileType?.name ?? gguf.fileTypeId}, expected ${fileType.name}`,
        {
          hint: 'the llama.cpp in the engine image may not support this type; rebuild it with `ops images build llama.cpp`',
        },
      );
    }
    const sha256 = await sha256OfFile(output);
    const admitted = await admitVerifiedFile(layout, output, sha256);
    const entry: ManifestEntry = {
      id: source.id,
      variant: fileType.name,
      revision: source.revision,
      file: quantizedFileName(source.file, fileType.name),
      sha256,
      bytes: admitted.bytes,
      source: { kind: 'quantize', from: source.sha256, fileType: fileType.name },
      addedAt: new Date().toISOString(),
      holders: [],
    };
    await updateManifest(layout, (all) => ({ entries: upsertEntry(all, entry), result: undefined }));
    bus.emit({
      kind: 'model:stored',
      id: entry.id,
      variant: entry.variant,
      file: entry.file,
      sha256,
      bytes: entry.bytes,
      reused: false,
    });
    return { entry, path: admitted.path, reused: false };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

function pickSource(entries: ManifestEntry[], selector: string, revision?: string): ManifestEntry {
  const found = matchEntries(entries, selector, revision).filter(
    (e) => e.file.toLowerCase().endsWith('.gguf') || e.source.kind !== 'hub',
  );
  const shas = new Set(found.map((e) => e.sha256));
  if (shas.size === 1) return found[0]!;
  if (shas.size === 0) {
    throw new OpsError(`no stored GGUF model matches ${selector}`, {
      hint: 'pull it first (`ops models pull`), see `ops models list`',
    });
  }
  // Prefer the unquantized source when a selector names several variants.
  const full = found.filter((e) => ['F32', 'F16', 'BF16'].includes(e.variant.toUpperCase()));
  if (new Set(full.map((e) => e.sha256)).size === 1) return full[0]!;
  throw new OpsError(`${selector} names ${shas.size} files`, {
    hint: `say which: ${found.map((e) => `${e.id}:${e.variant} (${e.sha256.slice(0, 12)})`).join(', ')}`,
  });
}

/** `model-f16.gguf` → `model-Q8_0.gguf`; names without a quant get it appended. */
export function quantizedFileName(file: string, fileType: string): string {
  const base = file.split('/').pop() ?? file;
  const stem = base.replace(/\.gguf$/i, '');
  const replaced = stem.replace(/([-._])(F32|F16|BF16|Q\d[\w]*|IQ\d[\w]*)$/i, `$1${fileType}`);
  return `${replaced === stem ? `${stem}-${fileType}` : replaced}.gguf`;
}

interface QuantizeContainer {
  image: string;
  blobsDir: string;
  outDir: string;
  sourceSha: string;
  fileType: string;
  threads?: number;
  labels: Record<string, string>;
  onProgress: (done: number, total: number) => void;
}

/** llama-quantize prints one line per tensor: `[  12/ 201]  blk.1.attn_q.weight - […], type = f16, …`. */
const TENSOR_LINE = /\[\s*(\d+)\s*\/\s*(\d+)\s*\]/g;

async function runQuantizeContainer(runtime: ContainerRuntime, job: QuantizeContainer): Promise<string> {
  if (!(await runtime.imageExists(job.image))) {
    throw new OpsError(`engine image ${job.image} is not on this machine`, {
      hint: 'build it: ops images build llama.cpp',
    });
  }
  const user =
    typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid?.()}` : '65534:65534';
  const result = await runtime.runJob(
    {
      name: `${job.labels[LABEL.deployment] ?? 'models'}-${job.labels[LABEL.name] ?? 'quantize'}-${randomBytes(3).toString('hex')}`,
      image: job.image,
      // The image's ENTRYPOINT is llama-server; the quantizer is a sibling binary.
      entrypoint: ['llama-quantize'],
      cmd: [`/in/${job.sourceSha}`, '/out/model.gguf', job.fileType, String(job.threads ?? 0)].filter(
        (a) => a !== '0',
      ),
      env: {},
      labels: job.labels,
      mounts: [
        { source: job.blobsDir, target: '/in', readOnly: true },
        { source: job.outDir, target: '/out', readOnly: false },
      ],
      user,
      network: 'none',
      readOnlyRoot: true,
      tmpfs: { '/tmp': 64 * 1024 * 1024 },
      // The whole machine: quantizing reads one tensor at a time, but a 100 GB model has multi-GB tensors, and the
      // job is one the user asked for on their own box (not untrusted code, unlike an eval sandbox).
      limits: { memoryBytes: totalmem(), nanoCpus: availableParallelism() * 1e9, pids: 4096 },
      maxLogBytes: 4 * 1024 * 1024,
    },
    {
      timeoutMs: QUANTIZE_TIMEOUT_MS,
      onOutput: (text) => {
        let last: RegExpExecArray | undefined;
        for (const m of text.matchAll(TENSOR_LINE)) last = m as RegExpExecArray;
        if (last) job.onProgress(Number(last[1]), Number(last[2]));
      },
    },
  );
  const log = result.output.slice(-64_000);
  if (result.timedOut || result.exitCode !== 0) {
    throw new CommandError(
      `llama-quantize ${job.sourceSha.slice(0, 12)} ${job.fileType}`,
      { exitStatus: result.timedOut ? null : result.exitCode, stdout: '', stderr: log },
      {
        hint: result.timedOut
          ? `it did not finish within ${QUANTIZE_TIMEOUT_MS / 3_600_000} h`
          : result.oomKilled
            ? 'it ran out of memory: free some, or quantize on a machine with more'
            : 'see the output above; the source must be an unquantized (F32/F16/BF16) GGUF for most types',
      },
    );
  }
  return log;
}
