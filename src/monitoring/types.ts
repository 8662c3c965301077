/** The containers of the monitoring stack; each is also its `ops.name` label. */
export const MONITORING_COMPONENTS = ['prometheus', 'node-exporter', 'dcgm-exporter', 'grafana'] as const;
export type MonitoringComponent = (typeof MONITORING_COMPONENTS)[number];

/** Where the monitoring files of one deployment live on the host (under `$OPS_HOME/monitoring/<deployment>/`). */
export interface MonitoringPaths {
  root: string;
  /** Mounted read-only into Prometheus: prometheus.yml and rules/. */
  prometheusConfigDir: string;
  /** Prometheus's TSDB, owned by the invoking user. */
  prometheusDataDir: string;
  /** Mounted read-only into Grafana as its provisioning directory (datasources/, dashboards/). */
  grafanaProvisioningDir: string;
  /** The dashboards' JSON files, mounted read-only. */
  grafanaDashboardsDir: string;
  /** Grafana's own database and plugins, owned by the invoking user. */
  grafanaDataDir: string;
  /** The generated Grafana admin password (mode 0600). */
  grafanaPasswordFile: string;
}

/** The ops agent's own /metrics endpoint, when it listens on a fixed port. */
export interface AgentEndpoint {
  host: string;
  port: number;
}

/** What `up` decided about monitoring before touching anything: what runs, where its files are, their digests. */
export interface MonitoringDeployInput {
  paths: MonitoringPaths;
  /** Components to run (a missing optional image leaves its component out, with a warning). */
  components: MonitoringComponent[];
  /** sha256 of the files each container reads, so a changed config replaces the container. */
  digests: { prometheus: string; grafana: string };
}

/** One thing Prometheus scrapes, with the labels the alert rules and dashboards select on. */
export interface ScrapeTarget {
  job: string;
  /** `host:port` as Prometheus dials it. */
  address: string;
  metricsPath: string;
  labels: Record<string, string>;
}
