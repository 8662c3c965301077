import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { llamaCppMemorySettings } from '../../src/planner/check-predictions.js';
import { parseEngineMemoryReport } from '../../src/planner/engine-memory-report.js';
import { llamaCppComputeBytes, llamaCppKvCells } from '../../src/planner/llama-cpp-compute.js';
import { predictionError } from '../../src/planner/prediction-record.js';

const MiB = 1024 * 1024;

// Lines as llama-server 0.7.0 prints them at -lv 4 (bench smoke model, Q4_K_M, -c 1024).
const LOG = `0.00.022.413 I srv    load_model: loading model '/m/bench-Q4_K_M.gguf'
0.00.026.180 I print_info: file size   = 30.26 MiB (4.89 BPW)
0.00.027.526 I load_tensors:   CPU_Mapped model buffer size =     0.21 MiB
0.00.027.526 I load_tensors:   CPU_Mapped model buffer size =     1.85 MiB
0.00.027.526 I load_tensors:   CPU_REPACK model buffer size =    26.16 MiB
0.00.027.818 I llama_context:        CPU  output buffer size =     0.00 MiB
0.00.027.875 I llama_kv_cache:        CPU KV buffer size =     6.00 MiB
0.00.028.416 I llama_kv_cache: size =    6.00 MiB (  1024 cells,   6 layers,  1/1 seqs), K (f16):    3.00 MiB, V (f16):    3.00 MiB
0.00.030.117 I sched_reserve:        CPU compute buffer size =    23.02 MiB
0.00.046.914 I srv  llama_server: model loaded`;

describe('llama-server memory report', () => {
  it('sums every buffer of a device and reads the KV cells and halves', () => {
    const r = parseEngineMemoryReport(LOG);
    assert.ok(r);
    assert.equal(r.devices.length, 1);
    assert.equal(r.devices[0]?.device, 'CPU');
    assert.equal(r.modelBytes, Math.round(0.21 * MiB) + Math.round(1.85 * MiB) + Math.round(26.16 * MiB));
    assert.equal(r.kvCacheBytes, 6 * MiB);
    assert.equal(r.kBytes, 3 * MiB);
    assert.equal(r.kvCellsPerSeq, 1024);
    assert.equal(r.computeBytes, Math.round(23.02 * MiB));
    assert.equal(r.totalBytes, r.modelBytes + r.kvCacheBytes + r.computeBytes + r.outputBytes);
  });

  it('reads only the last load when a restarted container logged several', () => {
    const older = LOG.replace('26.16 MiB', '99.00 MiB').replace('23.02 MiB', '50.00 MiB');
    const r = parseEngineMemoryReport(`${older}\n${LOG}`);
    assert.equal(r?.computeBytes, Math.round(23.02 * MiB));
    assert.equal(
      r?.devices[0]?.modelBytes,
      Math.round(0.21 * MiB) + Math.round(1.85 * MiB) + Math.round(26.16 * MiB),
    );
  });

  it('keeps GPU buffers apart and counts pinned host buffers as CPU', () => {
    const r = parseEngineMemoryReport(
      [
        'load_tensors:        CUDA0 model buffer size =  1000.00 MiB',
        'load_tensors:   CPU_Mapped model buffer size =   100.00 MiB',
        'llama_context:  CUDA_Host  output buffer size =     0.58 MiB',
        'llama_kv_cache:      CUDA0 KV buffer size =   512.00 MiB',
        'sched_reserve:      CUDA0 compute buffer size =   300.00 MiB',
      ].join('\n'),
    );
    assert.deepEqual(
      r?.devices.map((d) => [d.device, d.modelBytes / MiB, d.kvCacheBytes / MiB]),
      [
        ['CUDA0', 1000, 512],
        ['CPU', 100, 0],
      ],
    );
  });

  it('says nothing when the engine ran below verbosity 4', () => {
    assert.equal(parseEngineMemoryReport('srv  llama_server: model loaded\n'), undefined);
  });
});

describe('llama.cpp context and compute arithmetic', () => {
  it('gives each slot -c / parallel cells, padded to 256 with flash attention', () => {
    assert.deepEqual(llamaCppKvCells(1000, 3, { flashAttention: true }), { cellsPerSeq: 512, streams: 3 });
    assert.deepEqual(llamaCppKvCells(8192, 4, { flashAttention: true }), { cellsPerSeq: 2048, streams: 4 });
    assert.deepEqual(llamaCppKvCells(1000, 3, { flashAttention: true, unified: true }), {
      cellsPerSeq: 1024,
      streams: 1,
    });
  });

  // Measured with llama-server 0.7.0 on the CPU backend (sched_reserve: CPU compute buffer size).
  const cases = [
    { name: 'tiny -c 512', shape: [2, 256, 512, 4], nCtx: 512, cells: 512, parallel: 1, fa: true, mib: 5.02 },
    { name: 'tiny -c 256', shape: [2, 256, 512, 4], nCtx: 256, cells: 256, parallel: 1, fa: true, mib: 2.38 },
    {
      name: 'bench -c 4096 × 4',
      shape: [6, 1024, 2048, 16],
      nCtx: 4096,
      cells: 1024,
      parallel: 4,
      fa: true,
      mib: 23.02,
    },
    {
      name: 'bench -fa off',
      shape: [6, 1024, 2048, 16],
      nCtx: 1024,
      cells: 1024,
      parallel: 1,
      fa: false,
      mib: 47.01,
    },
    {
      name: '1 layer, 2048 wide',
      shape: [1, 2048, 4096, 32],
      nCtx: 512,
      cells: 512,
      parallel: 1,
      fa: true,
      mib: 24.52,
    },
  ] as const;
  for (const c of cases) {
    it(`predicts the compute buffer of ${c.name} within 1%`, () => {
      const [layers, hiddenSize, ffnWidth, heads] = c.shape;
      const bytes = llamaCppComputeBytes(
        { layers, hiddenSize, ffnWidth, heads, vocabSize: 261 },
        { nCtx: c.nCtx, kvCellsPerSeq: c.cells, parallel: c.parallel, flashAttention: c.fa },
      );
      assert.ok(Math.abs(bytes / MiB - c.mib) / c.mib < 0.01, `${(bytes / MiB).toFixed(2)} MiB vs ${c.mib}`);
    });
  }
});

describe('prediction settings and errors', () => {
  it('reads flash attention, cache types, ubatch and a unified cache from the args', () => {
    assert.deepEqual(
      llamaCppMemorySettings(['-ngl', '0', '-fa', 'on', '--cache-type-k', 'q8_0', '-ctv', 'q4_0']),
      {
        flashAttention: true,
        typeK: 'q8_0',
        typeV: 'q4_0',
        ubatch: undefined,
        unifiedKv: false,
      },
    );
    const off = llamaCppMemorySettings(['--flash-attn=off', '-ub', '256', '-kvu']);
    assert.equal(off.flashAttention, false);
    assert.equal(off.ubatch, 256);
    assert.equal(off.unifiedKv, true);
  });

  it('reports relative errors per figure', () => {
    const e = predictionError(
      { weightsBytes: 105, kvCacheBytes: 100, computeBytes: 0, totalBytes: 205 },
      { weightsBytes: 100, kvCacheBytes: 100, computeBytes: 0, totalBytes: 200 },
    );
    assert.equal(e.weightsBytes, 0.05);
    assert.equal(e.kvCacheBytes, 0);
    assert.equal(e.computeBytes, 0);
    assert.equal(e.totalBytes, 0.025);
  });
});
