import type { VllmEntry } from '../plan/types.js';
import { engineContainerBase } from './engine-container.js';
import { gpuRequestFor } from './gpu-request.js';
import { modelMount } from './model-mount.js';
import type { ContainerSpec, EngineAdapter, SpecContext } from './types.js';

/** Pinned so a re-run pulls the same engine; override per entry with `image:` (e.g. a private registry). */
export const VLLM_IMAGE = 'vllm/vllm-openai:v0.11.0';
const CONTAINER_PORT = 8000;
/** PyTorch shares tensors between tensor-parallel workers through /dev/shm (vLLM's Docker docs). */
const SHM_BYTES = 16 * 1024 ** 3;

/**
 * vLLM's OpenAI server. The image's entrypoint is the server, so the command is only its flags:
 * `--tensor-parallel-size`, `--gpu-memory-utilization` (paged KV pool), `--max-model-len` (one request must fit).
 */
export const vllmAdapter: EngineAdapter<VllmEntry> = {
  kind: 'vllm',
  defaultImage: VLLM_IMAGE,
  containerPort: CONTAINER_PORT,
  healthPath: '/health',
  metricsPath: '/metrics',
  metricNames: {
    queueDepth: 'vllm:num_requests_waiting',
    tokensGenerated: 'vllm:generation_tokens_total',
    kvCacheUsage: 'vllm:kv_cache_usage_perc',
  },

  containerSpec(entry: VllmEntry, ctx: SpecContext): ContainerSpec {
    const gpus = gpuRequestFor(entry.gpus);
    const isDir = !entry.model.endsWith('.gguf');
    const { mount, containerPath } = modelMount(entry.model, isDir);
    const tp = entry.tensorParallel ?? (gpus.kind === 'devices' ? gpus.deviceIds.length : 1);
    const cmd = [
      '--model',
      containerPath,
      '--served-model-name',
      entry.servedModelName ?? entry.name,
      '--host',
      '0.0.0.0',
      '--port',
      String(CONTAINER_PORT),
      '--max-model-len',
      String(entry.contextLength),
      '--max-num-seqs',
      String(entry.parallel),
      '--tensor-parallel-size',
      String(tp),
      '--gpu-memory-utilization',
      String(entry.gpuMemoryUtilization),
    ];
    if (entry.quantization) cmd.push('--quantization', entry.quantization);
    if (entry.kvCacheDtype) cmd.push('--kv-cache-dtype', entry.kvCacheDtype);
    if (entry.toolCallParser)
      cmd.push('--enable-auto-tool-choice', '--tool-call-parser', entry.toolCallParser);
    cmd.push(...entry.args);
    return {
      ...engineContainerBase(entry, ctx, CONTAINER_PORT, mount, gpus),
      image: entry.image ?? VLLM_IMAGE,
      cmd,
      // Offline by design: never reach for the hub from inside the engine.
      env: { HF_HUB_OFFLINE: '1', VLLM_NO_USAGE_STATS: '1' },
      healthcheck: {
        test: [
          'CMD',
          'python3',
          '-c',
          `import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${CONTAINER_PORT}/health', timeout=4).status == 200 else 1)`,
        ],
        intervalS: 15,
        timeoutS: 5,
        retries: 3,
        startPeriodS: Math.min(entry.healthTimeoutS, 1800),
      },
      shmSizeBytes: SHM_BYTES,
    };
  },
};
