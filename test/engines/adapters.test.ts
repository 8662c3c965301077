import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  LLAMA_CPP_CPU_IMAGE,
  LLAMA_CPP_CUDA_IMAGE,
  llamaCppAdapter,
} from '../../src/engines/llama-cpp-adapter.js';
import { VLLM_IMAGE, vllmAdapter } from '../../src/engines/vllm-adapter.js';
import type { LlamaCppEntry, VllmEntry } from '../../src/plan/types.js';

const base = { aliases: [], args: [], host: '127.0.0.1', healthTimeoutS: 60 };
const llama = (over: Partial<LlamaCppEntry> = {}): LlamaCppEntry => ({
  ...base,
  engine: 'llama.cpp',
  name: 'coder',
  model: '/store/blobs/smoke.gguf',
  contextLength: 8192,
  parallel: 4,
  gpus: [],
  port: 18080,
  ...over,
});
const ctx = { deployment: 'lab', modelIdentity: '123:456' };
const flag = (cmd: string[], name: string) => cmd[cmd.indexOf(name) + 1];

describe('llama.cpp adapter', () => {
  it('builds a CPU container: model mounted read-only, host and port explicit, port bound to loopback', () => {
    const spec = llamaCppAdapter.containerSpec(llama(), ctx);
    assert.equal(spec.name, 'ops-lab-coder');
    assert.equal(spec.image, LLAMA_CPP_CPU_IMAGE);
    assert.deepEqual(spec.mounts, [{ source: '/store/blobs', target: '/models', readOnly: true }]);
    assert.equal(flag(spec.cmd, '-m'), '/models/smoke.gguf');
    assert.equal(flag(spec.cmd, '-c'), '8192');
    assert.equal(flag(spec.cmd, '--parallel'), '4');
    assert.equal(flag(spec.cmd, '--host'), '0.0.0.0');
    assert.equal(flag(spec.cmd, '--port'), '8080');
    assert.equal(flag(spec.cmd, '-ngl'), '0');
    assert.ok(spec.cmd.includes('--metrics') && spec.cmd.includes('--jinja'));
    assert.deepEqual(spec.port, { container: 8080, host: 18080, hostIp: '127.0.0.1' });
    assert.deepEqual(spec.gpus, { kind: 'none' });
    assert.equal(spec.restartPolicy, 'unless-stopped');
    assert.deepEqual(spec.healthcheck.test, ['CMD', 'curl', '-fsS', 'http://127.0.0.1:8080/health']);
    assert.equal(spec.labels['ops.managed'], 'true');
    assert.equal(spec.labels['ops.deployment'], 'lab');
    assert.equal(spec.labels['ops.engine'], 'llama.cpp');
    assert.equal(spec.labels['ops.url'], 'http://127.0.0.1:18080');
  });

  it('asks for the right NVIDIA devices and the CUDA image when GPUs are assigned, and offloads all layers', () => {
    const spec = llamaCppAdapter.containerSpec(llama({ gpus: [1, 2], args: ['-ts', '1,1'] }), ctx);
    assert.deepEqual(spec.gpus, { kind: 'devices', deviceIds: ['1', '2'] });
    assert.equal(spec.image, LLAMA_CPP_CUDA_IMAGE);
    assert.equal(flag(spec.cmd, '-ngl'), '999');
    assert.deepEqual(spec.cmd.slice(-2), ['-ts', '1,1']);
  });

  it("keeps the user's -ngl and image instead of adding its own", () => {
    const spec = llamaCppAdapter.containerSpec(
      llama({ gpus: 'all', args: ['-ngl', '20'], image: 'my/llama:1' }),
      ctx,
    );
    assert.equal(spec.cmd.filter((a) => a === '-ngl').length, 1);
    assert.equal(flag(spec.cmd, '-ngl'), '20');
    assert.equal(spec.image, 'my/llama:1');
    assert.deepEqual(spec.gpus, { kind: 'all' });
  });
});

describe('vLLM adapter', () => {
  const vllm = (over: Partial<VllmEntry> = {}): VllmEntry => ({
    ...base,
    engine: 'vllm',
    name: 'big',
    model: '/store/qwen-awq',
    contextLength: 32768,
    parallel: 8,
    gpus: [0, 1],
    port: 18000,
    gpuMemoryUtilization: 0.9,
    ...over,
  });

  it('builds the vLLM server command with tensor parallel from the GPUs, served name and offline env', () => {
    const spec = vllmAdapter.containerSpec(
      vllm({ quantization: 'awq', kvCacheDtype: 'fp8', toolCallParser: 'hermes' }),
      ctx,
    );
    assert.equal(spec.image, VLLM_IMAGE);
    assert.deepEqual(spec.mounts, [
      { source: '/store/qwen-awq', target: '/models/qwen-awq', readOnly: true },
    ]);
    assert.equal(flag(spec.cmd, '--model'), '/models/qwen-awq');
    assert.equal(flag(spec.cmd, '--served-model-name'), 'big');
    assert.equal(flag(spec.cmd, '--tensor-parallel-size'), '2');
    assert.equal(flag(spec.cmd, '--max-model-len'), '32768');
    assert.equal(flag(spec.cmd, '--max-num-seqs'), '8');
    assert.equal(flag(spec.cmd, '--gpu-memory-utilization'), '0.9');
    assert.equal(flag(spec.cmd, '--quantization'), 'awq');
    assert.equal(flag(spec.cmd, '--kv-cache-dtype'), 'fp8');
    assert.equal(flag(spec.cmd, '--tool-call-parser'), 'hermes');
    assert.ok(spec.cmd.includes('--enable-auto-tool-choice'));
    assert.equal(flag(spec.cmd, '--host'), '0.0.0.0');
    assert.equal(flag(spec.cmd, '--port'), '8000');
    assert.deepEqual(spec.gpus, { kind: 'devices', deviceIds: ['0', '1'] });
    assert.equal(spec.env.HF_HUB_OFFLINE, '1');
    assert.ok((spec.shmSizeBytes ?? 0) >= 8 * 1024 ** 3);
    assert.equal(spec.port.hostIp, '127.0.0.1');
  });

  it('lets an explicit tensorParallel win over the GPU count', () => {
    const spec = vllmAdapter.containerSpec(vllm({ gpus: [0, 1, 2, 3], tensorParallel: 2 }), ctx);
    assert.equal(flag(spec.cmd, '--tensor-parallel-size'), '2');
  });
});
