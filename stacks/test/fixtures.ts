import type { Plan, VllmEntry } from '../../src/plan/types.js';
import { type ClusterStackConfigInput, parseClusterStackConfig } from '../cluster/stack-config.js';

/** A vLLM Plan entry with the schema's defaults filled in. */
export function vllmEntry(over: Partial<VllmEntry> & { name: string }): VllmEntry {
  return {
    engine: 'vllm',
    aliases: [],
    contextLength: 32768,
    parallel: 16,
    model: `/srv/models/${over.name}`,
    gpus: [0],
    args: [],
    port: 8000,
    host: '127.0.0.1',
    healthTimeoutS: 900,
    gpuMemoryUtilization: 0.9,
    ...over,
  };
}

/** The enterprise-style Plan the stack tests deploy: one 70B model on 8 GPUs, one small model, a cloud fallback. */
export function enterprisePlan(): Plan {
  return {
    version: 1,
    deployment: 'acme',
    sourceDir: '/srv/plans',
    engines: [
      vllmEntry({
        name: 'coder-70b',
        gpus: [0, 1, 2, 3, 4, 5, 6, 7],
        tensorParallel: 8,
        aliases: ['quality'],
        toolCallParser: 'llama3_json',
      }),
      vllmEntry({ name: 'coder-7b', gpus: [0], aliases: ['fast'], contextLength: 65536 }),
      {
        engine: 'external',
        name: 'cloud',
        aliases: [],
        contextLength: 200000,
        parallel: 4,
        baseUrl: 'https://api.example.com/v1',
        apiKeyEnv: 'CLOUD_API_KEY',
      },
    ],
    gateway: { enabled: true, port: 8080, host: '127.0.0.1', aliases: { quality: 'coder-70b' } },
  };
}

/** Stack config with defaults, as the program would parse it. */
export function stackConfig(raw: ClusterStackConfigInput = {}) {
  const { config, problems } = parseClusterStackConfig(raw);
  if (!config) throw new Error(JSON.stringify(problems));
  return config;
}

export const SHAPES = {
  'coder-70b': { attentionHeads: 64, kvHeads: 8, layers: 80, weightsBytes: 141e9 },
  'coder-7b': { attentionHeads: 28, kvHeads: 4, layers: 28, weightsBytes: 15.2e9 },
};
export const GATEWAY_KEY = 'sk-ops-test-5b0f1c9e';
export const CLOUD_KEY = 'sk-cloud-test-77aa31';
