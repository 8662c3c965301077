import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ValidationProblem } from '../../src/core/errors.js';
import { checkPlanOnHost, type HostFacts, validatePlan } from '../../src/plan/validate-plan.js';

const read = { planDir: '/plans' };
const statPath = (p: string) => (p.endsWith('smoke.gguf') ? 'file' : p.endsWith('/ckpt') ? 'dir' : undefined);
const host = (over: Partial<HostFacts> = {}): HostFacts => ({
  locateModel: (model, planDir) => {
    const path = model.startsWith('/') ? model : `${planDir}/${model}`;
    return statPath(path)
      ? { found: true, path }
      : { found: false, reason: `model file not found: ${path}`, creatable: false };
  },
  statPath,
  gpuIndexes: [],
  takenPorts: new Set(),
  ...over,
});

/** What `up` does: read the Plan, then check it on the host; every problem of both steps. */
function readAndCheck(doc: unknown, facts: HostFacts = host()): ValidationProblem[] {
  const { plan, problems } = validatePlan(doc, read);
  return plan ? checkPlanOnHost(plan, facts) : problems;
}

const llama = (over: Record<string, unknown> = {}) => ({
  engine: 'llama.cpp',
  name: 'coder',
  model: 'models/smoke.gguf',
  contextLength: 4096,
  port: 18080,
  ...over,
});

describe('validatePlan', () => {
  it('accepts a minimal Plan, fills defaults and resolves the model path against the Plan directory', () => {
    const { plan, problems } = validatePlan({ version: 1, engines: [llama()] }, read);
    assert.deepEqual(problems, []);
    assert.ok(plan);
    assert.equal(plan.deployment, 'default');
    const entry = plan.engines[0]!;
    assert.equal(entry.engine, 'llama.cpp');
    if (entry.engine !== 'llama.cpp') return;
    assert.equal(entry.model, '/plans/models/smoke.gguf');
    assert.equal(entry.parallel, 1);
    assert.equal(entry.host, '127.0.0.1');
    assert.deepEqual(entry.gpus, []);
  });

  it('lists every problem at once, each with the path of its field, and returns no Plan', () => {
    const doc = {
      version: 1,
      engines: [
        llama({ gpus: [0] }),
        { engine: 'tgi-next', name: 'x' },
        llama({ name: 'coder', model: 'missing.gguf', port: 18080 }),
        { engine: 'vllm', name: 'big', model: 'no-such-ckpt', contextLength: 8192, port: 18081, gpus: [] },
        llama({ name: 'hub', model: 'hf:not a repo', port: 18082 }),
      ],
    };
    const { plan, problems } = validatePlan(doc, read);
    assert.equal(plan, undefined);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.match(
      byPath['engines[1].engine']!,
      /unknown engine "tgi-next"; expected one of llama.cpp, vllm, external/,
    );
    assert.match(byPath['engines[2].name']!, /already used by engines\[0\]/);
    assert.match(byPath['engines[2].port']!, /port 18080 is also used by engines\[0\].port/);
    assert.match(byPath['engines[3].gpus']!, /vLLM needs at least one NVIDIA GPU/);
    assert.match(byPath['engines[4].model']!, /is not hf:OWNER\/REPO:FILE/);
    // Reading asks nothing of the machine: no GPU or model-file problem here.
    assert.equal(byPath['engines[0].gpus'], undefined);
    assert.equal(byPath['engines[2].model'], undefined);
  });

  it('reads a GPU Plan on a machine without GPUs (status, upgrade --check, rollback, doctor read it)', () => {
    const { plan, problems } = validatePlan(
      { version: 1, engines: [llama({ gpus: [0, 1], model: 'hf:org/repo:model-Q4_K_M.gguf' })] },
      read,
    );
    assert.deepEqual(problems, []);
    const entry = plan?.engines[0];
    assert.equal(entry && 'model' in entry ? entry.model : undefined, 'hf:org/repo:model-Q4_K_M.gguf');
  });

  it('the host check refuses GPUs this machine lacks and models that are not there, with the fetch command', () => {
    const problems = readAndCheck(
      {
        version: 1,
        engines: [llama({ gpus: [0] }), llama({ name: 'b', model: 'missing.gguf', port: 18081 })],
      },
      host({
        locateModel: (model) =>
          model.endsWith('missing.gguf')
            ? {
                found: false,
                reason: 'hf:org/repo:x.gguf is not in the model store',
                command: 'ops models pull org/repo:x.gguf',
                creatable: true,
              }
            : { found: true, path: '/plans/models/smoke.gguf' },
      }),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.match(byPath['engines[0].gpus']!, /no NVIDIA GPU; use gpus: \[\] to run on the CPU/);
    assert.match(byPath['engines[1].model']!, /get it with: ops models pull org\/repo:x.gguf/);
  });

  it('reports schema errors with their paths (types, ranges, unknown keys)', () => {
    const { problems } = validatePlan(
      { version: 2, engines: [llama({ contextLength: 'big', port: 70000, colour: 'red' })] },
      read,
    );
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['engines[0]', 'engines[0].contextLength', 'engines[0].port', 'version']);
  });

  it('refuses a port another program holds, and GPUs the machine does not have', () => {
    const problems = readAndCheck(
      { version: 1, engines: [llama({ gpus: [0, 3] })] },
      host({ takenPorts: new Set([18080]), gpuIndexes: [0, 1] }),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['engines[0].port', 'engines[0].gpus'],
    );
    assert.match(problems[1]!.message, /GPU 3 not present; this machine has GPU 0, 1/);
  });

  it('checks gateway aliases point at engines, and the gateway port against engines', () => {
    const { problems } = validatePlan(
      { version: 1, engines: [llama({ port: 8080 })], gateway: { aliases: { quality: 'nope' } } },
      read,
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), ['engines[0].port', 'gateway.aliases.quality']);
  });

  it('accepts external entries without a model file or port, and vLLM on GPUs with tensor parallel', () => {
    const { plan } = validatePlan(
      {
        version: 1,
        deployment: 'lab',
        engines: [
          {
            engine: 'external',
            name: 'remote',
            baseUrl: 'http://10.1.2.3:8000/v1',
            contextLength: 32768,
            apiKeyEnv: 'REMOTE_KEY',
          },
          {
            engine: 'vllm',
            name: 'big',
            model: '/m/ckpt',
            contextLength: 32768,
            port: 18000,
            gpus: [0, 1],
            tensorParallel: 2,
          },
        ],
      },
      read,
    );
    assert.ok(plan);
    assert.deepEqual(checkPlanOnHost(plan, host({ gpuIndexes: [0, 1] })), []);
    assert.equal(plan.engines.length, 2);
  });

  it('refuses a tensor parallel size larger than the GPUs assigned', () => {
    const { problems } = validatePlan(
      {
        version: 1,
        engines: [
          {
            engine: 'vllm',
            name: 'big',
            model: '/m/ckpt',
            contextLength: 8192,
            port: 18000,
            gpus: [0],
            tensorParallel: 2,
          },
        ],
      },
      read,
    );
    assert.match(problems[0]!.message, /tensor parallel size 2 exceeds the 1 GPU/);
  });

  it('warns (does not fail) when the context does not divide evenly among slots', () => {
    const { plan, warnings } = validatePlan(
      { version: 1, engines: [llama({ contextLength: 4097, parallel: 2 })] },
      read,
    );
    assert.ok(plan);
    assert.match(warnings[0]!.message, /each slot gets 2048 tokens/);
  });
});
