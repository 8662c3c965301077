import { createHash } from 'node:crypto';
import type { MonitoringSettings, Plan } from '../plan/types.js';
import { grafanaDashboardFiles, grafanaProvisioningFiles } from './grafana-provisioning.js';
import { alertRulesText, prometheusConfigText, RULES_FILE } from './prometheus-config.js';
import { scrapeTargets } from './scrape-targets.js';
import type { AgentEndpoint, MonitoringComponent } from './types.js';

/** Every generated monitoring file of a deployment, by directory, with a digest per container that reads them. */
export interface MonitoringFiles {
  /** Relative to the Prometheus config directory. */
  prometheus: Record<string, string>;
  /** Relative to Grafana's provisioning directory. */
  grafanaProvisioning: Record<string, string>;
  /** Relative to the dashboards directory. */
  grafanaDashboards: Record<string, string>;
  digests: { prometheus: string; grafana: string };
}

/** Generates the scrape config, the alert rules and Grafana's provisioning and dashboards (pure). */
export function monitoringFiles(
  plan: Plan,
  settings: MonitoringSettings,
  options: { components: readonly MonitoringComponent[]; agent?: AgentEndpoint },
): MonitoringFiles {
  const targets = scrapeTargets(plan, settings, options);
  const prometheus = {
    'prometheus.yml': prometheusConfigText(plan.deployment, settings, targets),
    [RULES_FILE]: alertRulesText(plan.deployment),
  };
  const grafanaProvisioning = grafanaProvisioningFiles(settings);
  const grafanaDashboards = grafanaDashboardFiles(plan.deployment);
  return {
    prometheus,
    grafanaProvisioning,
    grafanaDashboards,
    digests: {
      prometheus: digest(prometheus),
      grafana: digest({ ...prefixed('provisioning/', grafanaProvisioning), ...grafanaDashboards }),
    },
  };
}

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [prefix + k, v]));
}

function digest(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
  return hash.digest('hex');
}
