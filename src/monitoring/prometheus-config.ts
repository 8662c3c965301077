import { stringify } from 'yaml';
import type { MonitoringSettings } from '../plan/types.js';
import { opsAlertRules } from './alert-rules.js';
import type { ScrapeTarget } from './types.js';

/** Where the config directory is mounted in the Prometheus container (rule paths are relative to it). */
export const PROMETHEUS_CONFIG_DIR = '/etc/prometheus/ops';
export const PROMETHEUS_CONFIG_FILE = `${PROMETHEUS_CONFIG_DIR}/prometheus.yml`;
/** The alert rules' file name inside the config directory. */
export const RULES_FILE = 'rules/ops-alerts.yml';

// Prometheus's default scrape timeout; it must not exceed the interval
// (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#configuration-file).
const DEFAULT_SCRAPE_TIMEOUT_S = 10;

/**
 * prometheus.yml for one deployment (pure): global interval, the rule file, one job per kind of target, each
 * target a static config of its own so it keeps its `ops_*` labels.
 */
export function prometheusConfigText(
  deployment: string,
  settings: Pick<MonitoringSettings, 'scrapeIntervalS'>,
  targets: readonly ScrapeTarget[],
): string {
  const interval = `${settings.scrapeIntervalS}s`;
  const jobs = [...new Set(targets.map((t) => t.job))];
  const config = {
    global: {
      scrape_interval: interval,
      scrape_timeout: `${Math.min(settings.scrapeIntervalS, DEFAULT_SCRAPE_TIMEOUT_S)}s`,
      evaluation_interval: interval,
      external_labels: { ops_deployment: deployment },
    },
    rule_files: [RULES_FILE],
    scrape_configs: jobs.map((job) => {
      const ofJob = targets.filter((t) => t.job === job);
      const paths = [...new Set(ofJob.map((t) => t.metricsPath))];
      if (paths.length > 1) throw new Error(`scrape job ${job} mixes metrics paths ${paths.join(', ')}`);
      return {
        job_name: job,
        metrics_path: paths[0],
        static_configs: ofJob.map((t) => ({ targets: [t.address], labels: t.labels })),
      };
    }),
  };
  return `# Written by ops up for deployment ${deployment}; regenerated on every up (edits are overwritten).\n${stringify(config)}`;
}

/** The ops alert rules as a Prometheus rule file (YAML), one group per deployment. */
export function alertRulesText(deployment: string): string {
  return `# Written by ops up for deployment ${deployment}; regenerated on every up.\n${stringify({
    groups: [{ name: `ops-${deployment}`, rules: opsAlertRules() }],
  })}`;
}
