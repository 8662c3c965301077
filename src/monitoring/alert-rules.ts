import { llamaCppAdapter } from '../engines/llama-cpp-adapter.js';
import { vllmAdapter } from '../engines/vllm-adapter.js';

/** One Prometheus alerting rule (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string };
}

const llama = llamaCppAdapter.metricNames;
const vllm = vllmAdapter.metricNames;

/** `max by (ops_name)` of one metric per engine kind, joined with `or` (an engine exposes only its own). */
function perEngine(names: (string | undefined)[]): string {
  return names
    .filter((n): n is string => Boolean(n))
    .map((n) => `max by (ops_name) (${n})`)
    .join(' or ');
}

/**
 * The alerts of an ops deployment, shared by the single-host stack and the cluster stack. Targets carry
 * `ops_role` / `ops_name`: static labels in the generated scrape config on one host, the Services' labels
 * (ServiceMonitor `targetLabels`) on Kubernetes. Metric names: the engine adapters' `metricNames`, the gateway's
 * prom-client metrics (src/gateway/metrics.ts), the agent's (src/agent/agent-metrics.ts), DCGM field names
 * (DESIGN.md §4) and node exporter's filesystem collector.
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
      annotations: { summary: 'gateway {{ $labels.instance }} is not answering /metrics' },
    },
    {
      // 429/529 are the gateway's own "queue full" answers (OpsQueueSaturated); every other 5xx is a failure.
      alert: 'OpsGatewayErrorRate',
      expr:
        'sum(rate(ops_gateway_requests_total{status=~"5..",status!="529"}[5m]))' +
        ' / sum(rate(ops_gateway_requests_total[5m])) > 0.05',
      for: '5m',
      labels: { severity: 'warning' },
      annotations: { summary: 'more than 5% of gateway requests failed over the last 5 minutes' },
    },
    {
      // The gateway answers 529 (Anthropic) or 429 (OpenAI) at once when an upstream's queue is full.
      alert: 'OpsQueueSaturated',
      expr: 'sum by (upstream) (rate(ops_gateway_requests_total{status=~"429|529"}[5m])) > 0',
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'the gateway has been turning requests for {{ $labels.upstream }} away for 5 minutes (queue full)',
      },
    },
    {
      alert: 'OpsEngineQueueBacklog',
      expr: `(${perEngine([llama.queueDepth, vllm.queueDepth])}) > 8`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: { summary: '{{ $labels.ops_name }} has had more than 8 requests waiting for 5 minutes' },
    },
    {
      alert: 'OpsKvCacheFull',
      expr: `(${perEngine([llama.kvCacheUsage, vllm.kvCacheUsage])}) > 0.95`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.ops_name }} KV cache above 95% for 10 minutes: requests wait or are preempted',
      },
    },
    {
      // XID_ERRORS holds the last XID code, not a count: any non-zero value is an event worth a look.
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
    {
      // Engines fill VRAM on purpose (vLLM preallocates 90%, llama.cpp's --fit leaves 1024 MiB free), so a ratio
      // would always fire; less free memory than either leaves means something outside the Plan took it.
      alert: 'OpsGpuMemoryNearlyFull',
      expr: 'DCGM_FI_DEV_FB_FREE < 512',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has had under 512 MiB free for 10 minutes',
      },
    },
    {
      alert: 'OpsDiskNearlyFull',
      expr:
        'node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"}' +
        ' / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"} < 0.10' +
        ' and node_filesystem_readonly == 0',
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.mountpoint }} has less than 10% free: model pulls and the ledger will fail',
      },
    },
    {
      alert: 'OpsAgentDown',
      expr: 'up{ops_role="agent"} == 0',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'the ops agent is not answering: power and uptime samples are not being recorded',
      },
    },
  ];
}
