import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { LABEL } from '../../src/core/labels.js';
import { DEFAULT_MONITORING_IMAGES } from '../../src/monitoring/default-images.js';
import { monitoringContainers } from '../../src/monitoring/monitoring-containers.js';
import { monitoringPaths } from '../../src/monitoring/prepare-monitoring.js';
import type { MonitoringComponent, MonitoringDeployInput } from '../../src/monitoring/types.js';
import { desiredContainers } from '../../src/runtime/deployer.js';
import type { ModelLocator } from '../../src/store/model-locator.js';
import { samplePlan } from './fixtures.js';

/** Model paths taken as written: these unit tests build container specs, no model file is read. */
const models: ModelLocator = {
  locate: (model) => ({ found: true, path: model }),
  path: (model) => model,
};

const input = (
  components: MonitoringComponent[] = ['prometheus', 'node-exporter', 'dcgm-exporter', 'grafana'],
  digests = { prometheus: 'p1', grafana: 'g1' },
): MonitoringDeployInput => ({
  paths: monitoringPaths({ root: '/home/u/.local/share/ops' }, 'box'),
  components,
  digests,
});

describe('monitoring containers', () => {
  const plan = samplePlan();
  const settings = plan.monitoring!;

  it('runs Prometheus on the host network, bound to loopback, with 45 days of retention and read-only config', () => {
    const [prom] = monitoringContainers(plan, settings, input(), '1000:1000');
    assert.equal(prom!.name, 'prometheus');
    const s = prom!.spec;
    assert.equal(s.name, 'ops-box-prometheus');
    assert.equal(s.image, DEFAULT_MONITORING_IMAGES.prometheus);
    assert.equal(s.network, 'host');
    assert.equal(s.user, '1000:1000');
    assert.deepEqual(s.cmd, [
      '--config.file=/etc/prometheus/ops/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      '--storage.tsdb.retention.time=45d',
      '--web.listen-address=127.0.0.1:9090',
    ]);
    assert.deepEqual(s.mounts, [
      {
        source: '/home/u/.local/share/ops/monitoring/box/prometheus',
        target: '/etc/prometheus/ops',
        readOnly: true,
      },
      {
        source: '/home/u/.local/share/ops/monitoring/box/data/prometheus',
        target: '/prometheus',
        readOnly: false,
      },
    ]);
    assert.equal(s.labels[LABEL.role], 'monitoring');
    assert.equal(s.labels[LABEL.url], 'http://127.0.0.1:9090');
    assert.deepEqual(prom!.health, { url: 'http://127.0.0.1:9090', path: '/-/ready', timeoutS: 60 });
  });

  it('takes retention, ports, bind address and images from the Plan', () => {
    const custom = samplePlan({
      host: '0.0.0.0',
      prometheusPort: 19090,
      retentionDays: 60,
      images: { prometheus: 'registry.internal/prom/prometheus:v3.5.0' },
    });
    const [prom] = monitoringContainers(custom, custom.monitoring!, input(['prometheus']));
    assert.equal(prom!.spec.image, 'registry.internal/prom/prometheus:v3.5.0');
    assert.ok(prom!.spec.cmd.includes('--storage.tsdb.retention.time=60d'));
    assert.ok(prom!.spec.cmd.includes('--web.listen-address=0.0.0.0:19090'));
    assert.equal(prom!.health.url, 'http://127.0.0.1:19090');
  });

  it('starts only the components it is given', () => {
    const names = (c: MonitoringComponent[]) =>
      monitoringContainers(plan, settings, input(c)).map((d) => d.name);
    assert.deepEqual(names(['prometheus']), ['prometheus']);
    assert.deepEqual(names(['prometheus', 'node-exporter', 'dcgm-exporter', 'grafana']), [
      'prometheus',
      'node-exporter',
      'dcgm-exporter',
      'grafana',
    ]);
  });

  it('gives the node exporter the host root read-only and the DCGM exporter every GPU', () => {
    const all = monitoringContainers(plan, settings, input(), '1000:1000');
    const node = all.find((d) => d.name === 'node-exporter')!.spec;
    assert.deepEqual(node.mounts, [{ source: '/', target: '/host', readOnly: true }]);
    assert.deepEqual(node.cmd, ['--web.listen-address=127.0.0.1:9100', '--path.rootfs=/host']);
    const dcgm = all.find((d) => d.name === 'dcgm-exporter')!.spec;
    assert.deepEqual(dcgm.gpus, { kind: 'all' });
    assert.equal(dcgm.env.DCGM_EXPORTER_LISTEN, '127.0.0.1:9400');
    assert.equal(dcgm.user, undefined);
  });

  it('gives Grafana its password from a file, never in the environment, and provisioning read-only', () => {
    const grafana = monitoringContainers(plan, settings, input(), '1000:1000').find(
      (d) => d.name === 'grafana',
    )!;
    const s = grafana.spec;
    assert.equal(s.image, DEFAULT_MONITORING_IMAGES.grafana);
    assert.equal(s.env.GF_SECURITY_ADMIN_PASSWORD, undefined);
    assert.equal(s.env.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/ops-grafana-admin-password');
    assert.deepEqual(
      s.mounts.find((m) => m.target === '/run/secrets/ops-grafana-admin-password'),
      {
        source: '/home/u/.local/share/ops/monitoring/box/secrets/grafana-admin-password',
        target: '/run/secrets/ops-grafana-admin-password',
        readOnly: true,
      },
    );
    assert.ok(s.mounts.find((m) => m.target === '/etc/grafana/provisioning')?.readOnly);
    assert.equal(s.env.GF_SERVER_HTTP_PORT, '3000');
    assert.equal(grafana.health.path, '/api/health');
  });

  it('replaces Prometheus when its config changes and leaves Grafana alone, and vice versa', () => {
    const hashes = (digests: { prometheus: string; grafana: string }) =>
      Object.fromEntries(
        monitoringContainers(plan, settings, input(undefined, digests)).map((d) => [d.name, d.hash]),
      );
    const a = hashes({ prometheus: 'p1', grafana: 'g1' });
    const b = hashes({ prometheus: 'p2', grafana: 'g1' });
    assert.notEqual(a.prometheus, b.prometheus);
    assert.equal(a.grafana, b.grafana);
    assert.equal(a['node-exporter'], b['node-exporter']);
    assert.notEqual(a.grafana, hashes({ prometheus: 'p1', grafana: 'g2' }).grafana);
  });

  it('are part of what up wants only when the Plan asks for monitoring and up prepared it', () => {
    const names = desiredContainers(plan, models, undefined, input(['prometheus'])).map((d) => d.name);
    assert.deepEqual(names, ['coder', 'big', 'prometheus']);
    assert.deepEqual(
      desiredContainers(plan, models).map((d) => d.name),
      ['coder', 'big'],
    );
    const off = samplePlan({ enabled: false });
    assert.deepEqual(
      desiredContainers(off, models, undefined, input(['prometheus'])).map((d) => d.name),
      ['coder', 'big'],
    );
  });
});
