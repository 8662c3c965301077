import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DEFAULT_MONITORING_IMAGES } from '../../src/monitoring/default-images.js';
import { planFootprint } from '../../src/plan/load-plan.js';
import { checkPlanOnHost, validatePlan } from '../../src/plan/validate-plan.js';
import { hostFacts, planContext } from './fixtures.js';

const doc = (monitoring: unknown, over: Record<string, unknown> = {}) => ({
  version: 1,
  deployment: 'box',
  engines: [{ engine: 'llama.cpp', name: 'coder', model: 'coder.gguf', contextLength: 4096, port: 8001 }],
  gateway: { port: 8080 },
  ...(monitoring === undefined ? {} : { monitoring }),
  ...over,
});

describe('the Plan monitoring section', () => {
  it('is optional; present and empty, it enables monitoring with pinned images and 45 days of retention', () => {
    assert.equal(validatePlan(doc(undefined), planContext()).plan!.monitoring, undefined);
    const m = validatePlan(doc({}), planContext()).plan!.monitoring!;
    assert.deepEqual(m, {
      enabled: true,
      host: '127.0.0.1',
      prometheusPort: 9090,
      grafanaPort: 3000,
      nodeExporterPort: 9100,
      dcgmExporterPort: 9400,
      retentionDays: 45,
      scrapeIntervalS: 15,
      images: { ...DEFAULT_MONITORING_IMAGES },
    });
    assert.ok(
      Object.values(m.images).every((image) => /:[\w.-]+$/.test(image) && !image.endsWith(':latest')),
    );
  });

  it('lets one image be overridden and keeps the other defaults', () => {
    const m = validatePlan(
      doc({ images: { grafana: 'mirror.local/grafana/grafana-oss:12.2.1' } }),
      planContext(),
    ).plan!.monitoring!;
    assert.equal(m.images.grafana, 'mirror.local/grafana/grafana-oss:12.2.1');
    assert.equal(m.images.prometheus, DEFAULT_MONITORING_IMAGES.prometheus);
  });

  it('reports unknown fields and bad values with their paths', () => {
    const { problems } = validatePlan(
      doc({ retentionDays: 0, images: { loki: 'x' }, grafanaPrt: 1 }),
      planContext(),
    );
    const paths = problems.map((p) => p.path).sort();
    assert.ok(paths.includes('monitoring.retentionDays'), paths.join(', '));
    assert.ok(
      paths.some((p) => p.startsWith('monitoring.images') || p === 'monitoring'),
      paths.join(', '),
    );
  });

  it('refuses a monitoring port that clashes with the Plan or another program', () => {
    const clash = validatePlan(doc({ prometheusPort: 8001, grafanaPort: 8080 }), planContext()).problems;
    assert.deepEqual(clash, [
      { path: 'monitoring.prometheusPort', message: 'port 8001 is also used by engines[0].port' },
      { path: 'monitoring.grafanaPort', message: 'port 8080 is also used by gateway.port' },
    ]);
    // Ports other programs hold are the host check's business (up and setup), not reading's.
    const plan = validatePlan(doc({}), planContext()).plan!;
    const taken = checkPlanOnHost(plan, hostFacts({ takenPorts: new Set([9100]) }));
    assert.equal(taken[0]?.path, 'monitoring.nodeExporterPort');
    // The DCGM exporter's port counts only where it runs.
    assert.deepEqual(checkPlanOnHost(plan, hostFacts({ takenPorts: new Set([9400]) })), []);
    assert.equal(
      checkPlanOnHost(plan, hostFacts({ takenPorts: new Set([9400]), gpuIndexes: [0] }))[0]?.path,
      'monitoring.dcgmExporterPort',
    );
    assert.deepEqual(validatePlan(doc({ enabled: false, prometheusPort: 8001 }), planContext()).problems, []);
  });

  it('puts the monitoring ports in the footprint the host checks probe', () => {
    const ports = planFootprint(doc({ grafanaPort: 3300 })).ports.map((p) => p.port);
    assert.deepEqual(ports, [8001, 8080, 9090, 3300, 9100, 9400]);
    assert.deepEqual(
      planFootprint(doc(undefined)).ports.map((p) => p.port),
      [8001, 8080],
    );
  });
});
