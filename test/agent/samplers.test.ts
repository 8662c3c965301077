import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { chooseSamplers } from '../../src/agent/choose-samplers.js';
import { parseDcgmMetrics } from '../../src/agent/dcgm-power-sampler.js';
import { parseNvidiaSmiPower } from '../../src/agent/nvidia-smi-power-sampler.js';
import { readField } from '../../src/agent/plug-power-sampler.js';
import { probeTargetsFor } from '../../src/agent/probe-targets.js';
import { RaplSampler } from '../../src/agent/rapl-sampler.js';
import { opsConfigSchema } from '../../src/config/ops-config.js';
import type { CommandRunner } from '../../src/detect/command-runner.js';
import type { Plan } from '../../src/plan/types.js';

test('nvidia-smi power CSV: padded values and [N/A] (the GPU stays listed with no reading)', () => {
  const rows = parseNvidiaSmiPower('0, 287.45\n1, [N/A]\n  2 ,  71.02 \n', 5);
  assert.deepEqual(
    rows.map((r) => [r.device, r.powerW]),
    [
      ['gpu0', 287.45],
      ['gpu1', null],
      ['gpu2', 71.02],
    ],
  );
});

test('DCGM exporter text: power in W and the total-energy counter from mJ to J', () => {
  const text = [
    '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
    'DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="h"} 402.5',
    'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",device="nvidia0"} 120',
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-a",device="nvidia0"} 123456789',
    'DCGM_FI_DEV_GPU_TEMP{gpu="0"} 40',
  ].join('\n');
  assert.deepEqual(parseDcgmMetrics(text, 7), [
    { tsMs: 7, source: 'gpu', device: 'gpu0', powerW: 120, energyJ: 123456.789 },
    { tsMs: 7, source: 'gpu', device: 'gpu1', powerW: 402.5, energyJ: null },
  ]);
});

test('RAPL: package domains only; power from the counter with the wrap undone', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ops-rapl-'));
  try {
    const pkg = join(root, 'intel-rapl:0');
    mkdirSync(join(root, 'intel-rapl:0:0'), { recursive: true });
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'name'), 'package-0\n');
    writeFileSync(join(pkg, 'max_energy_range_uj'), '1000000000\n');
    writeFileSync(join(pkg, 'energy_uj'), '999000000\n');
    const probe = RaplSampler.probe(root);
    assert.ok('sampler' in probe);
    const first = await probe.sampler.sample(0);
    assert.deepEqual(first, [{ tsMs: 0, source: 'cpu', device: 'package-0', powerW: null, energyJ: 999 }]);
    writeFileSync(join(pkg, 'energy_uj'), '1000000\n'); // wrapped: 1 J to the top + 1 J = 2 J in 0.1 s
    const second = await probe.sampler.sample(100);
    assert.ok(Math.abs(second[0]!.powerW! - 20) < 1e-9);
    assert.equal(second[0]!.energyJ, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.match((RaplSampler.probe('/nonexistent') as { skip: string }).skip, /no powercap driver/);
});

test('sampler choice says what it tried; no GPU here means the constant (and a plug when configured)', async () => {
  const notFound: CommandRunner = async () => ({
    exitStatus: null,
    stdout: '',
    stderr: '',
    notFound: true,
    timedOut: false,
  });
  const config = opsConfigSchema.parse({
    energy: { restOfSystemW: 80 },
    agent: { plug: { url: 'http://127.0.0.1:9/x' } },
  });
  const choice = await chooseSamplers(config, { run: notFound, powercapDir: '/nonexistent' });
  assert.deepEqual(
    choice.samplers.map((s) => s.name),
    ['constant', 'plug'],
  );
  assert.deepEqual(
    choice.tried.map((t) => t.strategy),
    ['dcgm-exporter', 'nvidia-smi', 'rapl', 'constant', 'plug'],
  );
  assert.match(choice.tried[1]!.result, /not installed/);
  const smi: CommandRunner = async () => ({
    exitStatus: 0,
    stdout: '0, 300\n',
    stderr: '',
    notFound: false,
    timedOut: false,
  });
  const withGpu = await chooseSamplers(opsConfigSchema.parse({}), { run: smi, powercapDir: '/nonexistent' });
  assert.deepEqual(
    withGpu.samplers.map((s) => s.name),
    ['nvidia-smi', 'constant'],
  );
  assert.deepEqual(await withGpu.samplers[0]!.sample(1), [
    { tsMs: 1, source: 'gpu', device: 'gpu0', powerW: 300, energyJ: null },
  ]);
});

test('plug JSON field by dotted path', () => {
  assert.equal(readField({ apower: 41.5 }, 'apower'), 41.5);
  assert.equal(readField({ meters: [{ power: '12' }] }, 'meters.0.power'), 12);
  assert.equal(readField({ apower: 'n/a' }, 'apower'), null);
});

test("probe targets: the Plan's gateway and engine containers (not cloud entries), then configured ones", () => {
  const plan = {
    version: 1,
    deployment: 'd',
    sourceDir: '/',
    gateway: { enabled: true, port: 8080, host: '0.0.0.0', aliases: {} },
    engines: [
      { engine: 'llama.cpp', name: 'coder', port: 8001, host: '127.0.0.1' },
      { engine: 'external', name: 'claude', baseUrl: 'https://example.invalid/v1' },
    ],
  } as unknown as Plan;
  assert.deepEqual(
    probeTargetsFor(plan, [
      { name: 'coder', url: 'http://10.0.0.2:8001/health' },
      { name: 'nas', url: 'http://nas/' },
    ]),
    [
      { name: 'gateway', url: 'http://127.0.0.1:8080/health' },
      { name: 'coder', url: 'http://10.0.0.2:8001/health' },
      { name: 'nas', url: 'http://nas/' },
    ],
  );
  assert.deepEqual(probeTargetsFor(undefined, []), []);
});
