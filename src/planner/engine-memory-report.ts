/**
 * What llama.cpp says it allocated, read from llama-server's log. The lines appear only at verbosity 4
 * (`-lv 4`; the default threshold 3 hides them), which the llama.cpp adapter always passes:
 *
 *     load_tensors:   CPU_Mapped model buffer size =     5.01 MiB
 *     load_tensors:   CPU_REPACK model buffer size =    26.16 MiB
 *     llama_context:        CPU  output buffer size =     0.00 MiB
 *     llama_kv_cache:        CPU KV buffer size =     0.50 MiB
 *     llama_kv_cache: size =    0.50 MiB (   512 cells,   2 layers,  1/1 seqs), K (f16):    0.25 MiB, V (f16):    0.25 MiB
 *     sched_reserve:        CPU compute buffer size =     5.02 MiB
 *
 * One model can report several buffers per device (mmap'd ranges split around repacked tensors), so buffers are
 * summed per device. Sizes are printed with two decimals of MiB: each line is exact to ±0.005 MiB.
 */

const MiB = 1024 * 1024;

/** Memory of one device (`CPU`, `CUDA0`, …) by kind, in bytes. */
export interface DeviceMemory {
  device: string;
  modelBytes: number;
  kvCacheBytes: number;
  computeBytes: number;
  outputBytes: number;
}

export interface EngineMemoryReport {
  devices: DeviceMemory[];
  modelBytes: number;
  kvCacheBytes: number;
  /** K and V halves of the KV cache (sums over the `llama_kv_cache: size =` lines). */
  kBytes: number;
  vBytes: number;
  /** KV cells of one stream (one slot when the cache is not unified), as `llama_kv_cache: size =` prints them. */
  kvCellsPerSeq?: number;
  computeBytes: number;
  outputBytes: number;
  totalBytes: number;
  /** How many buffer lines were read (several per device are normal). */
  lines: number;
}

const BUFFER_LINE = /(\S+)\s+(model|KV|compute|output) buffer size\s*=\s*([\d.]+) MiB/;
const KV_SIZE_LINE =
  /llama_kv_cache: size =\s*[\d.]+ MiB \(\s*(\d+) cells.*K \([^)]+\):\s*([\d.]+) MiB, V \([^)]+\):\s*([\d.]+) MiB/;
/** A new model load starts here; with a restart policy one container log can hold several loads. */
const SERVER_LOAD_START = /load_model: loading model/;
const LOADER_START = /llama_model_loader: loaded meta data/;

/** The device a buffer type lives on: `CPU_Mapped`, `CPU_REPACK` → `CPU`; `CUDA_Host` (pinned) → `CPU`. */
export function bufferDevice(bufferType: string): string {
  if (/_Host$/i.test(bufferType) || /^CPU/i.test(bufferType)) return 'CPU';
  return bufferType.replace(/_(Mapped|REPACK|Split)$/i, '');
}

/**
 * Parses the memory report of the last model load in a llama-server log (pure). Returns undefined when the log
 * has no buffer lines (the engine ran below verbosity 4, or has not loaded the model yet).
 */
export function parseEngineMemoryReport(log: string): EngineMemoryReport | undefined {
  const lines = log.split(/\r?\n/);
  const lastIndex = (re: RegExp) => {
    for (let i = lines.length - 1; i >= 0; i--) if (re.test(lines[i] ?? '')) return i;
    return -1;
  };
  // llama-server prints "loading model" before the loader's own lines; older builds may print only the latter.
  const server = lastIndex(SERVER_LOAD_START);
  const start = Math.max(0, server >= 0 ? server : lastIndex(LOADER_START));
  const devices = new Map<string, DeviceMemory>();
  const report: EngineMemoryReport = {
    devices: [],
    modelBytes: 0,
    kvCacheBytes: 0,
    kBytes: 0,
    vBytes: 0,
    computeBytes: 0,
    outputBytes: 0,
    totalBytes: 0,
    lines: 0,
  };
  for (const line of lines.slice(start)) {
    const kv = KV_SIZE_LINE.exec(line);
    if (kv) {
      report.kvCellsPerSeq = Math.max(report.kvCellsPerSeq ?? 0, Number(kv[1]));
      report.kBytes += Math.round(Number(kv[2]) * MiB);
      report.vBytes += Math.round(Number(kv[3]) * MiB);
      continue;
    }
    const m = BUFFER_LINE.exec(line);
    if (!m) continue;
    const device = bufferDevice(m[1] ?? '');
    const bytes = Math.round(Number(m[3]) * MiB);
    const entry = devices.get(device) ?? {
      device,
      modelBytes: 0,
      kvCacheBytes: 0,
      computeBytes: 0,
      outputBytes: 0,
    };
    const field = (
      { model: 'modelBytes', KV: 'kvCacheBytes', compute: 'computeBytes', output: 'outputBytes' } as const
    )[m[2] as 'model' | 'KV' | 'compute' | 'output'];
    entry[field] += bytes;
    devices.set(device, entry);
    report.lines++;
  }
  if (report.lines === 0) return undefined;
  report.devices = [...devices.values()];
  for (const d of report.devices) {
    report.modelBytes += d.modelBytes;
    report.kvCacheBytes += d.kvCacheBytes;
    report.computeBytes += d.computeBytes;
    report.outputBytes += d.outputBytes;
  }
  report.totalBytes = report.modelBytes + report.kvCacheBytes + report.computeBytes + report.outputBytes;
  return report;
}
