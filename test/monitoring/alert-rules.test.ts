import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { llamaCppAdapter } from '../../src/engines/llama-cpp-adapter.js';
import { vllmAdapter } from '../../src/engines/vllm-adapter.js';
import { GatewayMetrics } from '../../src/gateway/metrics.js';
import { opsAlertRules } from '../../src/monitoring/alert-rules.js';
import { OVERVIEW_PANELS, overviewDashboard } from '../../src/monitoring/dashboards.js';
import { alertRulesText } from '../../src/monitoring/prometheus-config.js';

/** Metric names the gateway and the agent really register (histograms expose _bucket/_sum/_count). */
async function exposedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const registries = [new GatewayMetrics(() => []).registry, new AgentMetrics().registry];
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

/** Every metric name a PromQL expression selects (label matchers, groupings and strings removed first). */
function selectedMetrics(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  const found = bare.match(/\b(ops_[a-z_]+|DCGM_FI_[A-Z_]+|node_[a-z_]+|(?:llamacpp|vllm):[a-z_]+)/g) ?? [];
  return [...new Set(found)];
}

const KNOWN_PREFIXES = /^(DCGM_FI_DEV_|node_filesystem_)/;
const ENGINE_NAMES = new Set(
  [llamaCppAdapter, vllmAdapter].flatMap((a) => Object.values(a.metricNames).filter(Boolean) as string[]),
);

describe('alert rules', () => {
  it('cover the failures the issue lists', () => {
    const names = opsAlertRules().map((r) => r.alert);
    for (const wanted of [
      'OpsEngineDown',
      'OpsGatewayErrorRate',
      'OpsQueueSaturated',
      'OpsGpuHot',
      'OpsGpuMemoryNearlyFull',
      'OpsDiskNearlyFull',
      'OpsGpuXidError',
    ])
      assert.ok(names.includes(wanted), `${wanted} missing from ${names.join(', ')}`);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
  });

  it('select only metrics that ops components, DCGM and node exporter expose', async () => {
    const exposed = await exposedNames();
    const checked = new Set<string>();
    for (const rule of opsAlertRules()) {
      for (const name of selectedMetrics(rule.expr)) {
        const ok = exposed.has(name) || ENGINE_NAMES.has(name) || KNOWN_PREFIXES.test(name);
        assert.ok(ok, `${rule.alert} uses ${name}, which nothing exposes`);
        checked.add(name);
      }
    }
    for (const name of ['ops_gateway_requests_total', 'llamacpp:requests_deferred', 'DCGM_FI_DEV_XID_ERRORS'])
      assert.ok(checked.has(name), `${name} was not among the checked names: ${[...checked].join(', ')}`);
    assert.ok(!exposed.has('ops_gateway_request_total'), 'a misspelt name would be caught');
  });

  it('are written as one rule group per deployment', () => {
    const doc = parse(alertRulesText('box')) as { groups: { name: string; rules: { alert: string }[] }[] };
    assert.equal(doc.groups.length, 1);
    assert.equal(doc.groups[0]!.name, 'ops-box');
    assert.equal(doc.groups[0]!.rules.length, opsAlertRules().length);
  });
});

describe('overview dashboard', () => {
  it('has the panels the issue lists', () => {
    const titles = OVERVIEW_PANELS.map((p) => p.title.toLowerCase());
    for (const wanted of [
      'gpu utilisation',
      'gpu memory',
      'gpu power',
      'gpu temperature',
      'tokens/s',
      'requests waiting',
      'latency',
      'time to first token',
      'uptime',
      'energy today',
      'energy this month',
    ])
      assert.ok(
        titles.some((t) => t.includes(wanted)),
        `no panel about ${wanted}`,
      );
  });

  it('queries only metrics that exist, and shows energy for today and this month so far', async () => {
    const exposed = await exposedNames();
    for (const panel of OVERVIEW_PANELS) {
      for (const name of selectedMetrics(panel.expr)) {
        const ok = exposed.has(name) || ENGINE_NAMES.has(name) || KNOWN_PREFIXES.test(name);
        assert.ok(ok, `panel ${panel.title} uses ${name}, which nothing exposes`);
      }
    }
    const energy = OVERVIEW_PANELS.filter((p) => p.title.startsWith('Energy'));
    assert.deepEqual(
      energy.map((p) => p.timeFrom),
      ['now/d', 'now/M'],
    );
    assert.ok(energy.every((p) => p.expr.includes('ops_energy_joules_total') && p.unit === 'kwatth'));
  });

  it('is a Grafana JSON model with unique panel ids and a stable uid', () => {
    const model = overviewDashboard('box') as { uid: string; panels: { id: number; targets: unknown[] }[] };
    assert.equal(model.uid, 'ops-box');
    assert.equal(new Set(model.panels.map((p) => p.id)).size, model.panels.length);
    assert.ok(model.panels.every((p) => p.targets.length === 1));
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(model)));
  });
});
