import { vllmAdapter } from '../../src/engines/vllm-adapter.js';

/** One Prometheus alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string };
}

const m = vllmAdapter.metricNames;

/**
 * The alerts of an ops deployment. Targets carry `ops_role` / `ops_name` from the Service labels (the
 * ServiceMonitors' `targetLabels`). DCGM field names from DESIGN.md §4; XID_ERRORS holds the last XID code, not
 * a count, so any non-zero value is an event worth a look.
 */
export function opsAlertRules(): AlertRule[] {
  return [
    {
      alert: 'OpsEngineDown',
      expr: 'up{ops_role="engine"} == 0',
      for: '2m',
      labels: { severity: 'critical' },
      annotations: { summary: 'engine {{ $labels.ops_name }} is not answering /metrics' },
    },
    {
      alert: 'OpsGatewayDown',
      expr: 'up{ops_role="gateway"} == 0',
      for: '1m',
      labels: { severity: 'critical' },
      annotations: { summary: 'gateway pod {{ $labels.pod }} is down' },
    },
    {
      alert: 'OpsEngineQueueBacklog',
      expr: `max by (ops_name) (${m.queueDepth}) > 8`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: { summary: '{{ $labels.ops_name }} has had more than 8 requests waiting for 5 minutes' },
    },
    {
      alert: 'OpsKvCacheFull',
      expr: `max by (ops_name) (${m.kvCacheUsage ?? 'vllm:kv_cache_usage_perc'}) > 0.95`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.ops_name }} KV cache above 95% for 10 minutes: requests are preempted',
      },
    },
    {
      alert: 'OpsGpuXidError',
      expr: 'DCGM_FI_DEV_XID_ERRORS > 0',
      for: '0m',
      labels: { severity: 'critical' },
      annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}' },
    },
    {
      alert: 'OpsGpuHot',
      expr: 'DCGM_FI_DEV_GPU_TEMP > 85',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} above 85 °C for 10 minutes' },
    },
  ];
}
