/**
 * Images of the monitoring stack, pinned. Each can be overridden in the Plan (`monitoring.images`), e.g. to name a
 * copy in an internal registry on an air-gapped site.
 */
export const DEFAULT_MONITORING_IMAGES = {
  /** Built here from Debian's `prometheus` package (`ops images build prometheus`); upstream's prom/prometheus
   * (≥ 3.0) takes the same flags. */
  prometheus: 'ops/prometheus:debian',
  /** Built here from Debian's `prometheus-node-exporter` package (`ops images build node-exporter`). */
  nodeExporter: 'ops/node-exporter:debian',
  /** Grafana is not packaged in Debian. From 12.4 on upstream publishes OSS builds as grafana/grafana only. */
  grafana: 'grafana/grafana-oss:12.2.1',
  /** NVIDIA's exporter: `<DCGM version>-<exporter version>-<base>`; only started on hosts with NVIDIA GPUs. */
  dcgmExporter: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.4.2-4.7.0-ubuntu22.04',
} as const;

export type MonitoringImageKey = keyof typeof DEFAULT_MONITORING_IMAGES;
