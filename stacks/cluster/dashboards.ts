import { vllmAdapter } from '../../src/engines/vllm-adapter.js';

interface Panel {
  title: string;
  expr: string;
  unit: string;
}

const m = vllmAdapter.metricNames;

/** The panels of the ops overview: engines (queue, tokens/s, KV cache), gateway, and DCGM GPU telemetry. */
export const OVERVIEW_PANELS: readonly Panel[] = [
  { title: 'Requests waiting (per engine)', expr: `sum by (ops_name) (${m.queueDepth})`, unit: 'short' },
  { title: 'Generated tokens/s', expr: `sum by (ops_name) (rate(${m.tokensGenerated}[5m]))`, unit: 'short' },
  {
    title: 'KV cache usage',
    expr: `max by (ops_name) (${m.kvCacheUsage ?? 'vllm:kv_cache_usage_perc'})`,
    unit: 'percentunit',
  },
  { title: 'Targets up', expr: 'sum by (ops_role) (up{ops_role!=""})', unit: 'short' },
  { title: 'GPU power (W)', expr: 'DCGM_FI_DEV_POWER_USAGE', unit: 'watt' },
  { title: 'GPU utilization', expr: 'DCGM_FI_DEV_GPU_UTIL', unit: 'percent' },
  { title: 'GPU memory used', expr: 'DCGM_FI_DEV_FB_USED', unit: 'decmbytes' },
  { title: 'GPU temperature', expr: 'DCGM_FI_DEV_GPU_TEMP', unit: 'celsius' },
];

/** A Grafana dashboard (JSON model) of time-series panels, two per row; Grafana's sidecar loads it by label. */
export function overviewDashboard(deployment: string): Record<string, unknown> {
  return {
    uid: `ops-${deployment}`.slice(0, 40),
    title: `ops — ${deployment}`,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    panels: OVERVIEW_PANELS.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: [{ refId: 'A', expr: p.expr }],
    })),
  };
}
