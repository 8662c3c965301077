import type { LlamaCppEntry } from '../plan/types.js';
import { engineContainerBase } from './engine-container.js';
import { gpuRequestFor } from './gpu-request.js';
import { modelMount } from './model-mount.js';
import type { ContainerSpec, EngineAdapter, SpecContext } from './types.js';

/** The image `ops images build llama.cpp` makes from Debian packages (CPU). */
export const LLAMA_CPP_CPU_IMAGE = 'ops/llama.cpp:cpu';
/** Upstream's CUDA server image (entrypoint llama-server, curl included for the healthcheck). */
export const LLAMA_CPP_CUDA_IMAGE = 'ghcr.io/ggml-org/llama.cpp:server-cuda';

const CONTAINER_PORT = 8080;

/**
 * llama.cpp's `llama-server`. Flags from its --help: `-c` is the total KV pool shared by `--parallel` slots,
 * `-ngl` layers on the GPU, `--metrics` enables /metrics (`llamacpp:*`), `--jinja` is needed for tool calls.
 */
export const llamaCppAdapter: EngineAdapter<LlamaCppEntry> = {
  kind: 'llama.cpp',
  defaultImage: LLAMA_CPP_CPU_IMAGE,
  containerPort: CONTAINER_PORT,
  healthPath: '/health',
  metricsPath: '/metrics',
  metricNames: {
    queueDepth: 'llamacpp:requests_deferred',
    tokensGenerated: 'llamacpp:tokens_predicted_total',
    tokensPerSecond: 'llamacpp:predicted_tokens_seconds',
    // No KV-usage gauge: llama-server 0.7.0 (Debian's llama.cpp-tools) does not export one (read off its /metrics).
  },

  containerSpec(entry: LlamaCppEntry, ctx: SpecContext): ContainerSpec {
    const gpus = gpuRequestFor(entry.gpus);
    const { mount, containerPath } = modelMount(entry.model);
    const userSet = (flag: string[]) => entry.args.some((a) => flag.includes(a.split('=')[0] ?? a));
    const cmd = [
      '-m',
      containerPath,
      '--alias',
      entry.name,
      '-c',
      String(entry.contextLength),
      '--parallel',
      String(entry.parallel),
      // Always explicit: the container must listen on all its interfaces; the host side binds 127.0.0.1.
      '--host',
      '0.0.0.0',
      '--port',
      String(CONTAINER_PORT),
      '--metrics',
      '--jinja',
    ];
    if (!userSet(['-ngl', '--gpu-layers', '--n-gpu-layers']))
      cmd.push('-ngl', gpus.kind === 'none' ? '0' : '999');
    // Verbosity 4 prints the model/KV/compute buffer sizes ops compares with the plan (src/planner/check-predictions.ts);
    // the default threshold 3 hides them. It costs ~16 more log lines per request.
    if (!userSet(['-lv', '--verbosity', '--log-verbosity', '-v', '--verbose', '--log-verbose']))
      cmd.push('-lv', '4');
    cmd.push(...entry.args);
    const image = entry.image ?? (gpus.kind === 'none' ? LLAMA_CPP_CPU_IMAGE : LLAMA_CPP_CUDA_IMAGE);
    return {
      ...engineContainerBase(entry, ctx, CONTAINER_PORT, mount, gpus),
      image,
      cmd,
      env: {},
      healthcheck: {
        test: ['CMD', 'curl', '-fsS', `http://127.0.0.1:${CONTAINER_PORT}/health`],
        intervalS: 10,
        timeoutS: 5,
        retries: 3,
        startPeriodS: Math.min(entry.healthTimeoutS, 600),
      },
    };
  },
};
