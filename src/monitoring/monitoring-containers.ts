import { baseLabels, containerName, LABEL } from '../core/labels.js';
import type { ContainerSpec } from '../engines/types.js';
import type { MonitoringSettings, Plan } from '../plan/types.js';
import { configHash } from '../runtime/config-hash.js';
import type { DesiredContainer } from '../runtime/reconcile.js';
import { GRAFANA_DASHBOARDS_DIR } from './grafana-provisioning.js';
import { PROMETHEUS_CONFIG_DIR, PROMETHEUS_CONFIG_FILE } from './prometheus-config.js';
import { hostPort } from './scrape-targets.js';
import type { MonitoringComponent, MonitoringDeployInput } from './types.js';

const PROMETHEUS_DATA = '/prometheus';
const GRAFANA_PASSWORD_IN_CONTAINER = '/run/secrets/ops-grafana-admin-password';
const HOST_ROOT = '/host';

/** `host:port` to listen on: the bind address as given (0.0.0.0 stays all interfaces), IPv6 in brackets. */
function listenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A Docker health check that works in Debian-built images (curl) and in upstream images built on busybox or
 * Alpine (wget): whichever is there answers.
 */
function httpCheck(url: string, startPeriodS: number): ContainerSpec['healthcheck'] {
  return {
    test: ['CMD-SHELL', `wget -q -O /dev/null ${url} 2>/dev/null || curl -fsS -o /dev/null ${url}`],
    intervalS: 15,
    timeoutS: 5,
    retries: 3,
    startPeriodS,
  };
}

function spec(
  plan: Plan,
  name: MonitoringComponent,
  fields: Omit<ContainerSpec, 'name' | 'labels' | 'network' | 'restartPolicy' | 'port'> & {
    url: string;
    port: number;
    hostIp: string;
  },
): ContainerSpec {
  const { url, port, hostIp, ...rest } = fields;
  return {
    name: containerName(plan.deployment, name),
    labels: { ...baseLabels(plan.deployment, 'monitoring', name), [LABEL.url]: url },
    // Host network: the targets listen on the host's loopback, and each program binds its own port directly.
    network: 'host',
    port: { container: port, host: port, hostIp },
    restartPolicy: 'unless-stopped',
    ...rest,
  };
}

/**
 * The monitoring containers of a Plan (pure): Prometheus, then the node exporter, the DCGM exporter and Grafana
 * when `input.components` has them. They run as the invoking user (`user`), like the engines, so the data they
 * write under the state directory stays the user's; the DCGM exporter, which needs the GPUs' management
 * interface, runs as its image's user.
 */
export function monitoringContainers(
  plan: Plan,
  settings: MonitoringSettings,
  input: MonitoringDeployInput,
  user?: string,
): DesiredContainer[] {
  const has = (c: MonitoringComponent) => input.components.includes(c);
  const asUser = user ? { user } : {};
  const out: DesiredContainer[] = [];
  const add = (s: ContainerSpec, path: string, timeoutS: number) =>
    out.push({
      name: s.labels[LABEL.name]!,
      spec: s,
      hash: configHash(s),
      health: { url: s.labels[LABEL.url]!, path, timeoutS },
    });

  const promUrl = `http://${hostPort(settings.host, settings.prometheusPort)}`;
  add(
    spec(plan, 'prometheus', {
      image: settings.images.prometheus,
      cmd: [
        `--config.file=${PROMETHEUS_CONFIG_FILE}`,
        `--storage.tsdb.path=${PROMETHEUS_DATA}`,
        `--storage.tsdb.retention.time=${settings.retentionDays}d`,
        `--web.listen-address=${listenAddress(settings.host, settings.prometheusPort)}`,
      ],
      env: {},
      mounts: [
        { source: input.paths.prometheusConfigDir, target: PROMETHEUS_CONFIG_DIR, readOnly: true },
        { source: input.paths.prometheusDataDir, target: PROMETHEUS_DATA, readOnly: false },
      ],
      url: promUrl,
      port: settings.prometheusPort,
      hostIp: settings.host,
      gpus: { kind: 'none' },
      healthcheck: httpCheck(`${promUrl}/-/ready`, 30),
      modelIdentity: input.digests.prometheus,
      ...asUser,
    }),
    '/-/ready',
    60,
  );

  if (has('node-exporter')) {
    const url = `http://${hostPort('127.0.0.1', settings.nodeExporterPort)}`;
    add(
      spec(plan, 'node-exporter', {
        image: settings.images.nodeExporter,
        // The host's / is read through /host (node exporter's --path.rootfs), so filesystem metrics are the host's.
        cmd: [`--web.listen-address=127.0.0.1:${settings.nodeExporterPort}`, `--path.rootfs=${HOST_ROOT}`],
        env: {},
        mounts: [{ source: '/', target: HOST_ROOT, readOnly: true }],
        url,
        port: settings.nodeExporterPort,
        hostIp: '127.0.0.1',
        gpus: { kind: 'none' },
        healthcheck: httpCheck(`${url}/metrics`, 10),
        modelIdentity: 'none',
        ...asUser,
      }),
      '/metrics',
      60,
    );
  }

  if (has('dcgm-exporter')) {
    const url = `http://${hostPort('127.0.0.1', settings.dcgmExporterPort)}`;
    add(
      spec(plan, 'dcgm-exporter', {
        image: settings.images.dcgmExporter,
        cmd: [],
        // dcgm-exporter reads its listen address and collection interval (ms) from these (its --help).
        env: {
          DCGM_EXPORTER_LISTEN: `127.0.0.1:${settings.dcgmExporterPort}`,
          DCGM_EXPORTER_INTERVAL: String(settings.scrapeIntervalS * 1000),
        },
        mounts: [],
        url,
        port: settings.dcgmExporterPort,
        hostIp: '127.0.0.1',
        gpus: { kind: 'all' },
        // Its image may carry neither curl nor wget; `up` checks it from the host instead.
        healthcheck: { test: ['NONE'], intervalS: 0, timeoutS: 0, retries: 0, startPeriodS: 0 },
        modelIdentity: 'none',
      }),
      '/metrics',
      120,
    );
  }

  if (has('grafana')) {
    const url = `http://${hostPort(settings.host, settings.grafanaPort)}`;
    add(
      spec(plan, 'grafana', {
        image: settings.images.grafana,
        cmd: [],
        // GF_<SECTION>_<KEY> overrides grafana.ini; the __FILE suffix reads the value from a file (Grafana's
        // "Configure a Grafana Docker image"). The box is offline: no update checks, reporting or news feed.
        env: {
          GF_SERVER_HTTP_ADDR: settings.host,
          GF_SERVER_HTTP_PORT: String(settings.grafanaPort),
          GF_SECURITY_ADMIN_USER: 'admin',
          GF_SECURITY_ADMIN_PASSWORD__FILE: GRAFANA_PASSWORD_IN_CONTAINER,
          GF_USERS_ALLOW_SIGN_UP: 'false',
          GF_AUTH_ANONYMOUS_ENABLED: 'false',
          GF_ANALYTICS_REPORTING_ENABLED: 'false',
          GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
          GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
          GF_NEWS_NEWS_FEED_ENABLED: 'false',
          GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: `${GRAFANA_DASHBOARDS_DIR}/ops-overview.json`,
        },
        mounts: [
          { source: input.paths.grafanaProvisioningDir, target: '/etc/grafana/provisioning', readOnly: true },
          { source: input.paths.grafanaDashboardsDir, target: GRAFANA_DASHBOARDS_DIR, readOnly: true },
          { source: input.paths.grafanaDataDir, target: '/var/lib/grafana', readOnly: false },
          { source: input.paths.grafanaPasswordFile, target: GRAFANA_PASSWORD_IN_CONTAINER, readOnly: true },
        ],
        url,
        port: settings.grafanaPort,
        hostIp: settings.host,
        gpus: { kind: 'none' },
        healthcheck: httpCheck(`${url}/api/health`, 60),
        modelIdentity: input.digests.grafana,
        ...asUser,
      }),
      '/api/health',
      180,
    );
  }
  return out;
}

/** The URL a person opens for Grafana (or Prometheus) of these settings. */
export function monitoringUrls(settings: MonitoringSettings): { prometheus: string; grafana: string } {
  return {
    prometheus: `http://${hostPort(settings.host, settings.prometheusPort)}`,
    grafana: `http://${hostPort(settings.host, settings.grafanaPort)}`,
  };
}
