import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { ConstantPowerSampler } from '../../src/agent/constant-power-sampler.js';
import { SamplingLoop } from '../../src/agent/sampling-loop.js';
import type { PowerSampler } from '../../src/agent/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { energyBuckets } from '../../src/ledger/rollup-store.js';
import { retiredKey } from '../../src/ledger/rollups.js';

test('the loop writes power and probes to the ledger, survives a failing sampler, and serves /metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-agent-'));
  const health = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 503);
    res.end();
  });
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(health.address() as AddressInfo).port}`;
  const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
  ledger.setMeta('probe-targets', JSON.stringify(['old-engine']));
  const metrics = new AgentMetrics();
  const { url, server } = await metrics.listen(0, '127.0.0.1');
  const broken: PowerSampler = {
    name: 'broken',
    sample: async () => {
      throw new Error('sensor gone');
    },
  };
  const loop = new SamplingLoop({
    ledger,
    samplers: [new ConstantPowerSampler(100), broken],
    targets: [
      { name: 'gateway', url: `${base}/health` },
      { name: 'engine', url: `${base}/down` },
    ],
    sampleIntervalMs: 50,
    probeIntervalMs: 1000,
    probeTimeoutMs: 500,
    rollup: { probeIntervalS: 1, maxGapS: 10, maxCounterGapS: 3600 },
    rawRetentionDays: 30,
    metrics,
  });
  try {
    loop.start();
    await new Promise((r) => setTimeout(r, 1300));
    const text = await (await fetch(url)).text();
    assert.match(text, /ops_power_watts\{source="rest",device="rest"\} 100/);
    assert.match(text, /ops_probe_up\{target="gateway"\} 1/);
    assert.match(text, /ops_probe_up\{target="engine"\} 0/);
    assert.match(text, /ops_agent_sampler_errors_total\{sampler="broken"\} [1-9]/);
  } finally {
    await loop.stop();
    await new Promise((r) => server.close(r));
    await new Promise((r) => health.close(r));
  }
  const samples = [...ledger.iteratePowerSamples('rest', 'rest', 0, Number.MAX_SAFE_INTEGER)];
  assert.ok(samples.length >= 10, `${samples.length} samples`);
  const probes = ledger.probesOf('engine', 0, Number.MAX_SAFE_INTEGER);
  assert.ok(probes.length >= 2);
  assert.equal(probes[0]!.error, 'HTTP 503');
  assert.ok(ledger.getMeta(retiredKey('old-engine')));
  assert.ok(energyBuckets(ledger, 0, Number.MAX_SAFE_INTEGER).length > 0, 'rollups written on stop');
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});
