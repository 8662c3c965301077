import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configPath, loadOpsConfig } from '../config/load-config.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import type { MonitoringSettings, Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { DEFAULT_MONITORING_IMAGES } from './default-images.js';
import { type MonitoringFiles, monitoringFiles } from './monitoring-files.js';
import type { AgentEndpoint, MonitoringComponent, MonitoringDeployInput, MonitoringPaths } from './types.js';

/** Where one deployment's monitoring files live: `$OPS_HOME/monitoring/<deployment>/`. */
export function monitoringPaths(state: Pick<StateDir, 'root'>, deployment: string): MonitoringPaths {
  const root = join(state.root, 'monitoring', deployment);
  return {
    root,
    prometheusConfigDir: join(root, 'prometheus'),
    prometheusDataDir: join(root, 'data', 'prometheus'),
    grafanaProvisioningDir: join(root, 'grafana', 'provisioning'),
    grafanaDashboardsDir: join(root, 'grafana', 'dashboards'),
    grafanaDataDir: join(root, 'data', 'grafana'),
    grafanaPasswordFile: join(root, 'secrets', 'grafana-admin-password'),
  };
}

/**
 * The Grafana admin password: read from its file, or generated once (24 random bytes, base64url) and written
 * with mode 0600 in a 0700 directory. Grafana applies it when it creates its database, so it is never replaced.
 */
export function ensureGrafanaPassword(file: string): string {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) {
      chmodSync(file, 0o600);
      return existing;
    }
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(dirname(file), 0o700);
  const password = randomBytes(24).toString('base64url');
  writeFileAtomic(file, password, { mode: 0o600 });
  return password;
}

/** Writes the generated files (atomically, one by one) and makes the data directories. */
export function writeMonitoringFiles(paths: MonitoringPaths, files: MonitoringFiles): void {
  const write = (dir: string, set: Record<string, string>) => {
    for (const [name, text] of Object.entries(set)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, text, { mode: 0o644 });
    }
  };
  write(paths.prometheusConfigDir, files.prometheus);
  write(paths.grafanaProvisioningDir, files.grafanaProvisioning);
  write(paths.grafanaDashboardsDir, files.grafanaDashboards);
  mkdirSync(paths.prometheusDataDir, { recursive: true });
  mkdirSync(paths.grafanaDataDir, { recursive: true });
}

/** What `up` needs to decide about monitoring on this machine. */
export interface PrepareMonitoringOptions {
  runtime: Pick<ContainerRuntime, 'imageExists'>;
  bus: EventBus;
  /** NVIDIA GPUs present: the DCGM exporter is wanted. */
  nvidia: boolean;
  agent?: AgentEndpoint;
}

/**
 * Before `up` touches anything: picks the monitoring components whose images are here (Prometheus is required;
 * the exporters and Grafana are left out with a warning when their image is missing), writes the scrape config,
 * alert rules, Grafana provisioning and password, and returns what `deployUp` needs. Undefined when the Plan does
 * not ask for monitoring.
 */
export async function prepareMonitoring(
  state: Pick<StateDir, 'root'>,
  plan: Plan,
  options: PrepareMonitoringOptions,
): Promise<MonitoringDeployInput | undefined> {
  const settings = plan.monitoring;
  if (!settings?.enabled) return undefined;
  if (!(await options.runtime.imageExists(settings.images.prometheus))) {
    const ours = settings.images.prometheus === DEFAULT_MONITORING_IMAGES.prometheus;
    throw new OpsError(`the Prometheus image ${settings.images.prometheus} is not present locally`, {
      hint: ours
        ? 'build it with `ops images build prometheus` (or set monitoring.enabled: false); nothing was changed'
        : `\`docker pull ${settings.images.prometheus}\` (or \`docker load\` it on an offline machine); nothing was changed`,
    });
  }
  const components: MonitoringComponent[] = ['prometheus'];
  const optional: [MonitoringComponent, keyof MonitoringSettings['images'], boolean][] = [
    ['node-exporter', 'nodeExporter', true],
    ['dcgm-exporter', 'dcgmExporter', options.nvidia],
    ['grafana', 'grafana', true],
  ];
  for (const [component, key, wanted] of optional) {
    if (!wanted) continue;
    const image = settings.images[key];
    if (await options.runtime.imageExists(image)) {
      components.push(component);
      continue;
    }
    const how =
      image === DEFAULT_MONITORING_IMAGES.nodeExporter
        ? '`ops images build node-exporter`'
        : `\`docker load -i FILE\` (a copy made with \`docker save ${image}\` where a registry is reachable)`;
    options.bus.emit({
      kind: 'log',
      level: 'warn',
      message: `monitoring: skipping ${component}: image ${image} is not present locally; get it with ${how} and run ops up again`,
    });
  }
  const paths = monitoringPaths(state, plan.deployment);
  const files = monitoringFiles(plan, settings, {
    components,
    ...(options.agent ? { agent: options.agent } : {}),
  });
  writeMonitoringFiles(paths, files);
  if (components.includes('grafana')) ensureGrafanaPassword(paths.grafanaPasswordFile);
  return { paths, components, digests: files.digests };
}

/**
 * The ops agent's /metrics endpoint from `$OPS_HOME/config.yaml` (its defaults when the file is absent). An
 * unreadable config leaves the agent out of the scrape config with a warning: monitoring must not fail `up`.
 */
export function agentEndpointFromConfig(
  state: Pick<StateDir, 'root'>,
  bus: EventBus,
): AgentEndpoint | undefined {
  try {
    const { agent } = loadOpsConfig(configPath(state));
    return { host: agent.metricsHost, port: agent.metricsPort };
  } catch (error) {
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `monitoring: the agent is not scraped: ${error instanceof Error ? error.message : String(error)}`,
    });
    return undefined;
  }
}
