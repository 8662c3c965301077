import type { MonitoringSettings } from '../plan/types.js';

/** A host port the monitoring stack binds, with the Plan field that sets it. */
export interface MonitoringPort {
  path: string;
  port: number;
  host: string;
}

/**
 * The host ports monitoring binds (pure), for the Plan's port checks: Prometheus and Grafana on the configured
 * address, the exporters on loopback; the DCGM exporter only where it runs (hosts with NVIDIA GPUs).
 */
export function monitoringPorts(
  settings: Pick<
    MonitoringSettings,
    'enabled' | 'host' | 'prometheusPort' | 'grafanaPort' | 'nodeExporterPort' | 'dcgmExporterPort'
  >,
  nvidia: boolean,
): MonitoringPort[] {
  if (!settings.enabled) return [];
  const ports: MonitoringPort[] = [
    { path: 'monitoring.prometheusPort', port: settings.prometheusPort, host: settings.host },
    { path: 'monitoring.grafanaPort', port: settings.grafanaPort, host: settings.host },
    { path: 'monitoring.nodeExporterPort', port: settings.nodeExporterPort, host: '127.0.0.1' },
  ];
  if (nvidia)
    ports.push({ path: 'monitoring.dcgmExporterPort', port: settings.dcgmExporterPort, host: '127.0.0.1' });
  return ports;
}
