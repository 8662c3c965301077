import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { prometheusConfigText, RULES_FILE } from '../../src/monitoring/prometheus-config.js';
import { hostPort, scrapeTargets } from '../../src/monitoring/scrape-targets.js';
import { samplePlan } from './fixtures.js';

interface ScrapeConfig {
  job_name: string;
  metrics_path: string;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

describe('scrape targets and prometheus.yml', () => {
  const plan = samplePlan();
  const settings = plan.monitoring!;

  it('scrapes itself, every started engine, the gateway, the agent and the exporters that run', () => {
    const targets = scrapeTargets(plan, settings, {
      components: ['prometheus', 'node-exporter', 'dcgm-exporter', 'grafana'],
      agent: { host: '127.0.0.1', port: 9470 },
    });
    assert.deepEqual(
      targets.map((t) => [t.job, t.labels.ops_name, t.address]),
      [
        ['prometheus', 'prometheus', '127.0.0.1:9090'],
        ['ops-engines', 'coder', '127.0.0.1:8001'],
        ['ops-engines', 'big', '127.0.0.1:8002'],
        ['ops-gateway', 'gateway', '127.0.0.1:8080'],
        ['ops-agent', 'agent', '127.0.0.1:9470'],
        ['node', 'node-exporter', '127.0.0.1:9100'],
        ['dcgm', 'dcgm-exporter', '127.0.0.1:9400'],
      ],
    );
    assert.ok(targets.every((t) => t.labels.ops_deployment === 'box'));
    assert.deepEqual(
      targets.filter((t) => t.labels.ops_role === 'engine').map((t) => t.labels.ops_engine),
      ['llama.cpp', 'vllm'],
    );
  });

  it('leaves out what does not run: exporters not started, an agent on "any free port", a disabled gateway', () => {
    const noGateway = samplePlan({}, { gateway: { enabled: false } });
    const targets = scrapeTargets(noGateway, settings, {
      components: ['prometheus'],
      agent: { host: '127.0.0.1', port: 0 },
    });
    assert.deepEqual(
      targets.map((t) => t.labels.ops_name),
      ['prometheus', 'coder', 'big'],
    );
  });

  it('dials 0.0.0.0 binds on loopback and puts IPv6 literals in brackets', () => {
    assert.equal(hostPort('0.0.0.0', 80), '127.0.0.1:80');
    assert.equal(hostPort('::', 80), '127.0.0.1:80');
    assert.equal(hostPort('::1', 80), '[::1]:80');
  });

  it('writes one job per kind, each target with its labels, the rule file and the interval', () => {
    const targets = scrapeTargets(plan, settings, { components: ['prometheus', 'node-exporter'] });
    const config = parse(prometheusConfigText('box', { scrapeIntervalS: 5 }, targets)) as {
      global: Record<string, unknown>;
      rule_files: string[];
      scrape_configs: ScrapeConfig[];
    };
    assert.deepEqual(config.global, {
      scrape_interval: '5s',
      scrape_timeout: '5s',
      evaluation_interval: '5s',
      external_labels: { ops_deployment: 'box' },
    });
    assert.deepEqual(config.rule_files, [RULES_FILE]);
    assert.deepEqual(
      config.scrape_configs.map((c) => c.job_name),
      ['prometheus', 'ops-engines', 'ops-gateway', 'node'],
    );
    const engines = config.scrape_configs.find((c) => c.job_name === 'ops-engines')!;
    assert.equal(engines.metrics_path, '/metrics');
    assert.deepEqual(engines.static_configs[0], {
      targets: ['127.0.0.1:8001'],
      labels: { ops_deployment: 'box', ops_role: 'engine', ops_name: 'coder', ops_engine: 'llama.cpp' },
    });
  });

  it('keeps the scrape timeout at Prometheus default 10 s when the interval is longer', () => {
    const config = parse(prometheusConfigText('box', { scrapeIntervalS: 30 }, [])) as {
      global: { scrape_timeout: string };
    };
    assert.equal(config.global.scrape_timeout, '10s');
  });
});
