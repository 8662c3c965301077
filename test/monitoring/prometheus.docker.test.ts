import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { EventBus } from '../../src/core/events.js';
import { LABEL } from '../../src/core/labels.js';
import { resolveStateDir } from '../../src/core/state-dir.js';
import { buildEngineImage } from '../../src/images/build-engine-image.js';
import { defaultGatewayTag, loadGatewayRecipe } from '../../src/images/gateway-image.js';
import { loadNodeExporterRecipe, loadPrometheusRecipe } from '../../src/images/prometheus-image.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { OVERVIEW_PANELS } from '../../src/monitoring/dashboards.js';
import { DEFAULT_MONITORING_IMAGES } from '../../src/monitoring/default-images.js';
import { prepareMonitoring } from '../../src/monitoring/prepare-monitoring.js';
import type { MonitoringDeployInput } from '../../src/monitoring/types.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp } from '../../src/runtime/deployer.js';
import { demuxDockerLogs } from '../../src/runtime/docker-log-frames.js';
import { prepareGatewayFiles } from '../../src/runtime/gateway-container.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

describe('monitoring stack: real Prometheus scraping a real engine, gateway and node exporter', {
  timeout: 300_000,
}, () => {
  let kit: DockerTestKit;
  let plan: Plan;
  let monitoring: MonitoringDeployInput;
  let gatewayPaths: { planFile: string; spoolDir: string };
  let promUrl: string;
  const deployment = testDeploymentName();
  const bus = new EventBus();
  const warnings: string[] = [];
  bus.on((e) => {
    if (e.kind === 'log' && e.level === 'warn') warnings.push(e.message);
  });

  /** Runs promtool (from the Prometheus image) against the generated config directory; returns exit code and output. */
  async function promtool(args: string[], configDir: string) {
    const container = await kit.docker.createContainer({
      Image: DEFAULT_MONITORING_IMAGES.prometheus,
      Entrypoint: ['promtool'],
      Cmd: args,
      Labels: { [LABEL.managed]: 'true', [LABEL.deployment]: deployment },
      HostConfig: { NetworkMode: 'none', Binds: [`${configDir}:/etc/prometheus/ops:ro`] },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const output = demuxDockerLogs(await container.logs({ stdout: true, stderr: true }));
      return { exitCode: StatusCode, output };
    } finally {
      await container.remove({ force: true });
    }
  }

  async function query(q: string): Promise<Series[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; data: { result: Series[] } };
    assert.equal(body.status, 'success');
    return body.data.result;
  }

  beforeAll(async () => {
    kit = await dockerTestKit();
    // Each is skipped when current (by its inputs-hash label); a first build needs root and ~80 s.
    for (const recipe of [loadPrometheusRecipe(), loadNodeExporterRecipe(), await loadGatewayRecipe()])
      await buildEngineImage({ docker: kit.docker, recipe });
    const model = join(kit.dir, 'smoke-tiny.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 1 });
    const [enginePort, gatewayPort, prometheusPort, nodeExporterPort, grafanaPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const result = validatePlan(
      {
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            image: TEST_ENGINE_IMAGE,
            model,
            contextLength: 2048,
            port: enginePort,
            healthTimeoutS: 90,
          },
        ],
        gateway: { port: gatewayPort },
        monitoring: { prometheusPort, nodeExporterPort, grafanaPort, scrapeIntervalS: 1 },
      },
      { planDir: kit.dir },
    );
    assert.deepEqual(result.problems, []);
    plan = result.plan!;
    promUrl = `http://127.0.0.1:${prometheusPort}`;
    const state = resolveStateDir({ OPS_HOME: join(kit.dir, 'ops-home') });
    gatewayPaths = prepareGatewayFiles(state, plan);
    monitoring = (await prepareMonitoring(state, plan, { runtime: kit.runtime, bus, nvidia: false }))!;
  });
  afterAll(async () => {
    await kit?.cleanup(deployment);
  });

  it('generates a config and alert rules that promtool accepts', async () => {
    const check = await promtool(
      ['check', 'config', '/etc/prometheus/ops/prometheus.yml'],
      monitoring.paths.prometheusConfigDir,
    );
    assert.equal(check.exitCode, 0, check.output);
    assert.match(check.output, /SUCCESS: \d+ rules found/);
  });

  it('writes dashboard queries that are valid PromQL', async () => {
    // Grafana's $__range is not PromQL; any range stands in for it. Each query becomes a recording rule.
    const dir = join(kit.dir, 'dashboard-check');
    mkdirSync(dir, { recursive: true });
    const rules = OVERVIEW_PANELS.map((p, i) => ({
      record: `ops:panel_${i}`,
      expr: p.expr.replaceAll('$__range', '1h'),
    }));
    writeFileSync(join(dir, 'panels.yml'), stringify({ groups: [{ name: 'panels', rules }] }));
    const check = await promtool(['check', 'rules', '/etc/prometheus/ops/panels.yml'], dir);
    assert.equal(check.exitCode, 0, check.output);
  });

  it('up starts Prometheus and the node exporter beside the engine and gateway; Grafana is skipped when its image is absent', async () => {
    const result = await deployUp(plan, kit.runtime, bus, {
      models: testModelLocator(kit.dir),
      gateway: { image: defaultGatewayTag(), paths: gatewayPaths, env: {} },
      monitoring,
    });
    const grafanaHere = monitoring.components.includes('grafana');
    assert.deepEqual(
      result.created.sort(),
      ['coder', 'gateway', 'node-exporter', 'prometheus', ...(grafanaHere ? ['grafana'] : [])].sort(),
    );
    if (!grafanaHere)
      assert.ok(
        warnings.some((w) => /skipping grafana/.test(w)),
        warnings.join('\n'),
      );
    const monitors = await kit.runtime.list({ [LABEL.deployment]: deployment, [LABEL.role]: 'monitoring' });
    assert.equal(monitors.length, grafanaHere ? 3 : 2);
  });

  it('Prometheus scrapes every target: up == 1 for the engine, the gateway, the node exporter and itself', async () => {
    const deadline = Date.now() + 60_000;
    let series: Series[] = [];
    for (;;) {
      series = await query(`up{ops_deployment="${deployment}"}`).catch(() => []);
      const ok = series.length === 4 && series.every((s) => s.value[1] === '1');
      if (ok || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(series.map((s) => [s.metric.ops_name, s.metric.ops_role, s.value[1]]).sort(), [
      ['coder', 'engine', '1'],
      ['gateway', 'gateway', '1'],
      ['node-exporter', 'monitoring', '1'],
      ['prometheus', 'monitoring', '1'],
    ]);
  });

  it('sees a request through the gateway in the gateway and engine metrics; has host metrics, the rules and 45 days', async () => {
    const gatewayUrl = `http://127.0.0.1:${plan.gateway!.port}`;
    const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coder', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }),
    });
    assert.equal(res.status, 200, await res.text());
    const deadline = Date.now() + 20_000;
    let requests: Series[] = [];
    let tokens: Series[] = [];
    while (Date.now() < deadline) {
      requests = await query('ops_gateway_requests_total{status="200"}');
      tokens = await query('llamacpp:tokens_predicted_total > 0');
      if (requests.length > 0 && tokens.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(
      requests.map((s) => [s.metric.ops_name, s.metric.upstream, s.value[1]]),
      [['gateway', 'coder', '1']],
    );
    assert.equal(tokens[0]?.metric.ops_name, 'coder');
    assert.equal(
      (await query('ops_gateway_queue_depth{priority="interactive"}'))[0]?.metric.upstream,
      'coder',
    );
    const disk = await query('node_filesystem_avail_bytes{mountpoint="/"}');
    assert.ok(Number(disk[0]?.value[1]) > 0, 'the node exporter reports the host root filesystem');
    const flags = (await (await fetch(`${promUrl}/api/v1/status/flags`)).json()) as {
      data: Record<string, string>;
    };
    assert.equal(flags.data['storage.tsdb.retention.time'], '45d');
    const rules = (await (await fetch(`${promUrl}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.ok(loaded.some((r) => r.name === 'OpsEngineDown'));
    assert.ok(
      loaded.every((r) => r.health !== 'err'),
      JSON.stringify(loaded.filter((r) => r.health === 'err')),
    );
  });

  it('a second up with the same Plan reuses every container', async () => {
    const again = await prepareMonitoring(resolveStateDir({ OPS_HOME: join(kit.dir, 'ops-home') }), plan, {
      runtime: kit.runtime,
      bus,
      nvidia: false,
    });
    const result = await deployUp(plan, kit.runtime, bus, {
      models: testModelLocator(kit.dir),
      gateway: { image: defaultGatewayTag(), paths: gatewayPaths, env: {} },
      monitoring: again!,
    });
    assert.deepEqual([...result.created, ...result.replaced, ...result.removed], []);
    assert.ok(result.reused.includes('prometheus') && result.reused.includes('node-exporter'));
  });
});
