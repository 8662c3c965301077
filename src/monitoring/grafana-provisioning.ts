import { stringify } from 'yaml';
import { displayHost } from '../engines/engine-container.js';
import type { MonitoringSettings } from '../plan/types.js';
import { overviewDashboard } from './dashboards.js';
import { hostPort } from './scrape-targets.js';

/** Where the dashboards' JSON files are mounted in the Grafana container. */
export const GRAFANA_DASHBOARDS_DIR = '/etc/ops/grafana-dashboards';
/** The provisioned Prometheus datasource's uid (stable, so links and dashboards can name it). */
export const GRAFANA_DATASOURCE_UID = 'ops-prometheus';

/**
 * Grafana's provisioning files (pure), keyed by path under the provisioning directory
 * (https://grafana.com/docs/grafana/latest/administration/provisioning/): the Prometheus datasource, made the
 * default, and a file provider for the dashboards directory. Grafana shares the host's network, so it reaches
 * Prometheus on the address Prometheus binds.
 */
export function grafanaProvisioningFiles(
  settings: Pick<MonitoringSettings, 'host' | 'prometheusPort' | 'scrapeIntervalS'>,
): Record<string, string> {
  const header = '# Written by ops up; regenerated on every up (edits are overwritten).\n';
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: GRAFANA_DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        url: `http://${hostPort(displayHost(settings.host), settings.prometheusPort)}`,
        isDefault: true,
        editable: false,
        // Grafana's smallest $__rate_interval is four times this (its Prometheus datasource docs).
        jsonData: { timeInterval: `${settings.scrapeIntervalS}s` },
      },
    ],
  };
  const providers = {
    apiVersion: 1,
    providers: [
      {
        name: 'ops',
        orgId: 1,
        folder: 'ops',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: GRAFANA_DASHBOARDS_DIR },
      },
    ],
  };
  return {
    'datasources/ops-prometheus.yaml': header + stringify(datasources),
    'dashboards/ops.yaml': header + stringify(providers),
  };
}

/** The dashboards' JSON files (pure), keyed by file name. */
export function grafanaDashboardFiles(deployment: string): Record<string, string> {
  return { 'ops-overview.json': `${JSON.stringify(overviewDashboard(deployment), null, 2)}\n` };
}
