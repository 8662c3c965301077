import assert from 'node:assert/strict';
import type { Plan } from '../../src/plan/types.js';
import { type HostFacts, type PlanReadContext, validatePlan } from '../../src/plan/validate-plan.js';

export const planContext = (): PlanReadContext => ({ planDir: '/plans' });

/** A machine for the host check: every model present, no GPU and no port taken unless said otherwise. */
export const hostFacts = (over: Partial<HostFacts> = {}): HostFacts => ({
  locateModel: (model) => ({ found: true, path: model }),
  statPath: (p) => (p.endsWith('.gguf') ? 'file' : 'dir'),
  gpuIndexes: [],
  takenPorts: new Set(),
  ...over,
});

/** A validated Plan with a llama.cpp and a vLLM engine, an external upstream, a gateway and monitoring. */
export function samplePlan(
  monitoring: Record<string, unknown> = {},
  over: Record<string, unknown> = {},
): Plan {
  const result = validatePlan(
    {
      version: 1,
      deployment: 'box',
      engines: [
        { engine: 'llama.cpp', name: 'coder', model: 'coder.gguf', contextLength: 4096, port: 8001 },
        { engine: 'vllm', name: 'big', model: '/models/big', contextLength: 8192, port: 8002, gpus: [0] },
        { engine: 'external', name: 'remote', contextLength: 8192, baseUrl: 'http://10.0.0.9:8000/v1' },
      ],
      gateway: { port: 8080 },
      monitoring,
      ...over,
    },
    planContext(),
  );
  assert.deepEqual(result.problems, []);
  return result.plan!;
}
