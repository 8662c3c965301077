import { displayHost } from '../engines/engine-container.js';
import { adapterFor } from '../engines/registry.js';
import { isContainerEntry, type MonitoringSettings, type Plan } from '../plan/types.js';
import type { AgentEndpoint, MonitoringComponent, ScrapeTarget } from './types.js';

/** `host:port` for Prometheus; IPv6 literals in brackets. */
export function hostPort(host: string, port: number): string {
  const h = displayHost(host);
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

/**
 * Everything Prometheus scrapes for a Plan (pure): itself, every engine `ops up` starts (external upstreams are
 * someone else's), the gateway, the ops agent when it has a fixed port, and the exporters that run. Every target
 * is reached on the host's loopback: Prometheus shares the host's network.
 */
export function scrapeTargets(
  plan: Plan,
  settings: MonitoringSettings,
  options: { components: readonly MonitoringComponent[]; agent?: AgentEndpoint },
): ScrapeTarget[] {
  const base = { ops_deployment: plan.deployment };
  const targets: ScrapeTarget[] = [
    {
      job: 'prometheus',
      address: hostPort(settings.host, settings.prometheusPort),
      metricsPath: '/metrics',
      labels: { ...base, ops_role: 'monitoring', ops_name: 'prometheus' },
    },
  ];
  for (const entry of plan.engines.filter(isContainerEntry)) {
    targets.push({
      job: 'ops-engines',
      address: hostPort(entry.host, entry.port),
      metricsPath: adapterFor(entry).metricsPath,
      labels: { ...base, ops_role: 'engine', ops_name: entry.name, ops_engine: entry.engine },
    });
  }
  if (plan.gateway?.enabled) {
    targets.push({
      job: 'ops-gateway',
      address: hostPort(plan.gateway.host, plan.gateway.port),
      metricsPath: '/metrics',
      labels: { ...base, ops_role: 'gateway', ops_name: 'gateway' },
    });
  }
  // Port 0 means "any free port": nothing fixed to scrape.
  if (options.agent && options.agent.port > 0) {
    targets.push({
      job: 'ops-agent',
      address: hostPort(options.agent.host, options.agent.port),
      metricsPath: '/metrics',
      labels: { ...base, ops_role: 'agent', ops_name: 'agent' },
    });
  }
  if (options.components.includes('node-exporter')) {
    targets.push({
      job: 'node',
      address: hostPort('127.0.0.1', settings.nodeExporterPort),
      metricsPath: '/metrics',
      labels: { ...base, ops_role: 'monitoring', ops_name: 'node-exporter' },
    });
  }
  if (options.components.includes('dcgm-exporter')) {
    targets.push({
      job: 'dcgm',
      address: hostPort('127.0.0.1', settings.dcgmExporterPort),
      metricsPath: '/metrics',
      labels: { ...base, ops_role: 'monitoring', ops_name: 'dcgm-exporter' },
    });
  }
  return targets;
}
