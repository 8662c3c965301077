import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { parse } from 'yaml';
import { OpsError } from '../../src/core/errors.js';
import { EventBus, type OpsEvent } from '../../src/core/events.js';
import { DEFAULT_MONITORING_IMAGES } from '../../src/monitoring/default-images.js';
import {
  agentEndpointFromConfig,
  ensureGrafanaPassword,
  prepareMonitoring,
} from '../../src/monitoring/prepare-monitoring.js';
import { samplePlan } from './fixtures.js';

const runtimeWith = (images: string[]) => ({ imageExists: async (image: string) => images.includes(image) });
const ALL = Object.values(DEFAULT_MONITORING_IMAGES);

describe('prepareMonitoring', () => {
  let root: string;
  let events: OpsEvent[];
  let bus: EventBus;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ops-monitoring-'));
    events = [];
    bus = new EventBus();
    bus.on((e) => events.push(e));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes the scrape config, rules, provisioning, dashboard and a 0600 password under monitoring/<deployment>', async () => {
    const input = await prepareMonitoring({ root }, samplePlan(), {
      runtime: runtimeWith(ALL),
      bus,
      nvidia: true,
      agent: { host: '127.0.0.1', port: 9470 },
    });
    assert.deepEqual(input!.components, ['prometheus', 'node-exporter', 'dcgm-exporter', 'grafana']);
    const dir = join(root, 'monitoring', 'box');
    const config = parse(readFileSync(join(dir, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string }[];
    };
    assert.deepEqual(
      config.scrape_configs.map((c) => c.job_name),
      ['prometheus', 'ops-engines', 'ops-gateway', 'ops-agent', 'node', 'dcgm'],
    );
    assert.match(readFileSync(join(dir, 'prometheus', 'rules', 'ops-alerts.yml'), 'utf8'), /OpsEngineDown/);
    const datasource = parse(
      readFileSync(join(dir, 'grafana', 'provisioning', 'datasources', 'ops-prometheus.yaml'), 'utf8'),
    ) as { datasources: { url: string; isDefault: boolean }[] };
    assert.deepEqual(
      [datasource.datasources[0]!.url, datasource.datasources[0]!.isDefault],
      ['http://127.0.0.1:9090', true],
    );
    assert.equal(
      (
        JSON.parse(readFileSync(join(dir, 'grafana', 'dashboards', 'ops-overview.json'), 'utf8')) as {
          uid: string;
        }
      ).uid,
      'ops-box',
    );
    const password = readFileSync(input!.paths.grafanaPasswordFile, 'utf8');
    assert.ok(password.length >= 32 && password !== 'admin');
    assert.equal(statSync(input!.paths.grafanaPasswordFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    assert.ok(statSync(input!.paths.prometheusDataDir).isDirectory());
  });

  it('keeps the Grafana password across runs (Grafana only applies it when it creates its database)', () => {
    const file = join(root, 'secrets', 'pw');
    const first = ensureGrafanaPassword(file);
    assert.equal(ensureGrafanaPassword(file), first);
    assert.notEqual(ensureGrafanaPassword(join(root, 'secrets', 'other')), first);
  });

  it('skips Grafana, the node exporter and DCGM with a warning each when their image is missing', async () => {
    const input = await prepareMonitoring({ root }, samplePlan(), {
      runtime: runtimeWith([DEFAULT_MONITORING_IMAGES.prometheus]),
      bus,
      nvidia: true,
    });
    assert.deepEqual(input!.components, ['prometheus']);
    const warnings = events.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e.message] : []));
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /node-exporter.*ops images build node-exporter/);
    assert.match(warnings[2]!, /grafana.*docker load/);
    assert.throws(() => statSync(input!.paths.grafanaPasswordFile));
  });

  it('leaves DCGM out on a host without NVIDIA GPUs, silently', async () => {
    const input = await prepareMonitoring({ root }, samplePlan(), {
      runtime: runtimeWith(ALL),
      bus,
      nvidia: false,
    });
    assert.deepEqual(input!.components, ['prometheus', 'node-exporter', 'grafana']);
    assert.deepEqual(events, []);
  });

  it('fails before anything is written when the Prometheus image is missing, naming the build command', async () => {
    await assert.rejects(
      prepareMonitoring({ root }, samplePlan(), { runtime: runtimeWith([]), bus, nvidia: false }),
      (error: unknown) =>
        error instanceof OpsError &&
        /ops images build prometheus/.test(error.hint ?? '') &&
        /not present/.test(error.message),
    );
    assert.throws(() => statSync(join(root, 'monitoring')));
  });

  it('does nothing for a Plan without monitoring or with it disabled', async () => {
    const off = samplePlan({ enabled: false });
    assert.equal(
      await prepareMonitoring({ root }, off, { runtime: runtimeWith([]), bus, nvidia: false }),
      undefined,
    );
  });

  it('finds the agent endpoint in config.yaml, and warns instead of failing on a broken one', () => {
    assert.deepEqual(agentEndpointFromConfig({ root }, bus), { host: '127.0.0.1', port: 9470 });
    writeFileSync(join(root, 'config.yaml'), 'agent:\n  metricsPort: 9999\n');
    assert.deepEqual(agentEndpointFromConfig({ root }, bus), { host: '127.0.0.1', port: 9999 });
    writeFileSync(join(root, 'config.yaml'), 'agent:\n  metricsPort: nope\n');
    assert.equal(agentEndpointFromConfig({ root }, bus), undefined);
    assert.equal(events.filter((e) => e.kind === 'log' && e.level === 'warn').length, 1);
  });
});
