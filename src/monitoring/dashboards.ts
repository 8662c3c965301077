import { llamaCppAdapter } from '../engines/llama-cpp-adapter.js';
import { vllmAdapter } from '../engines/vllm-adapter.js';

/** One panel of the overview dashboard. */
export interface Panel {
  title: string;
  /** PromQL; one query per panel. */
  expr: string;
  /** Grafana unit id (https://grafana.com/docs/grafana/latest/panels-visualizations/configure-standard-options/). */
  unit: string;
  legend?: string;
  /** `stat` shows one number over the panel's time range; `timeseries` (default) a graph. */
  type?: 'timeseries' | 'stat';
  /** Grafana relative time of the panel, e.g. `now/d` = today so far, `now/M` = this month so far. */
  timeFrom?: string;
}

const llama = llamaCppAdapter.metricNames;
const vllm = vllmAdapter.metricNames;
// p50 and p95 of a gateway histogram as two series labelled q="p50" / q="p95".
const quantiles = (histogram: string) =>
  [0.5, 0.95]
    .map(
      (q) =>
        `label_replace(histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket[5m]))), "q", "p${Math.round(q * 100)}", "", "")`,
    )
    .join(' or ');
// The agent's energy counter (joules) summed over every device it measures; 3.6e6 J = 1 kWh.
const ENERGY_KWH = 'sum(increase(ops_energy_joules_total[$__range])) / 3.6e6';

/**
 * The panels of the ops overview: GPUs (DCGM: utilisation, VRAM in MiB, power, temperature, per GPU), engines
 * (tokens/s, queue), the gateway (latency and time to first token, p50/p95), uptime and energy.
 */
export const OVERVIEW_PANELS: readonly Panel[] = [
  { title: 'GPU utilisation', expr: 'DCGM_FI_DEV_GPU_UTIL', unit: 'percent', legend: 'GPU {{gpu}}' },
  { title: 'GPU memory used', expr: 'DCGM_FI_DEV_FB_USED', unit: 'mbytes', legend: 'GPU {{gpu}}' },
  { title: 'GPU power', expr: 'DCGM_FI_DEV_POWER_USAGE', unit: 'watt', legend: 'GPU {{gpu}}' },
  { title: 'GPU temperature', expr: 'DCGM_FI_DEV_GPU_TEMP', unit: 'celsius', legend: 'GPU {{gpu}}' },
  {
    title: 'Generated tokens/s (per engine)',
    expr: `sum by (ops_name) (rate(${llama.tokensGenerated}[5m])) or sum by (ops_name) (rate(${vllm.tokensGenerated}[5m]))`,
    unit: 'short',
    legend: '{{ops_name}}',
  },
  {
    title: 'Requests waiting (per engine and in the gateway)',
    expr: `sum by (ops_name) (${llama.queueDepth}) or sum by (ops_name) (${vllm.queueDepth}) or label_replace(sum by (upstream) (ops_gateway_queue_depth), "ops_name", "gateway → $1", "upstream", "(.*)")`,
    unit: 'short',
    legend: '{{ops_name}}',
  },
  {
    title: 'Request latency p50 / p95',
    expr: quantiles('ops_gateway_request_duration_seconds'),
    unit: 's',
    legend: '{{q}}',
  },
  {
    title: 'Time to first token p50 / p95',
    expr: quantiles('ops_gateway_time_to_first_token_seconds'),
    unit: 's',
    legend: '{{q}}',
  },
  {
    title: 'Uptime (share of scrapes answered)',
    expr: 'avg by (ops_name) (avg_over_time(up{ops_role=~"engine|gateway"}[$__range]))',
    unit: 'percentunit',
    legend: '{{ops_name}}',
    type: 'stat',
  },
  {
    title: 'Targets up',
    expr: 'sum by (ops_role) (up{ops_role!=""})',
    unit: 'short',
    legend: '{{ops_role}}',
  },
  { title: 'Energy today', expr: ENERGY_KWH, unit: 'kwatth', type: 'stat', timeFrom: 'now/d' },
  { title: 'Energy this month', expr: ENERGY_KWH, unit: 'kwatth', type: 'stat', timeFrom: 'now/M' },
];

/**
 * A Grafana dashboard (JSON model) of the overview panels, two per row. Panels name no datasource, so Grafana uses
 * its default one: the provisioned Prometheus on one host, kube-prometheus-stack's on a cluster.
 */
export function overviewDashboard(deployment: string): Record<string, unknown> {
  return {
    uid: `ops-${deployment}`.slice(0, 40),
    title: `ops — ${deployment}`,
    tags: ['ops'],
    schemaVersion: 39,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    panels: OVERVIEW_PANELS.map((p, i) => ({
      id: i + 1,
      type: p.type ?? 'timeseries',
      title: p.title,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      ...(p.timeFrom ? { timeFrom: p.timeFrom } : {}),
      targets: [{ refId: 'A', expr: p.expr, ...(p.legend ? { legendFormat: p.legend } : {}) }],
    })),
  };
}
