import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { opsAlertRules } from '../../src/monitoring/alert-rules.js';
import { overviewDashboard } from '../../src/monitoring/dashboards.js';
import { deepMerge } from '../shared/deep-merge.js';
import { k8sLabels } from './k8s-labels.js';
import type { ClusterStackConfig } from './stack-config.js';

type MonitoringConfig = ClusterStackConfig['monitoring'];

/**
 * kube-prometheus-stack values: pick up every ServiceMonitor and rule, not only the chart's own (its
 * `*SelectorNilUsesHelmValues` switches), and let Grafana's sidecar load dashboards labelled `grafana_dashboard`.
 */
export function monitoringValues(
  config: MonitoringConfig,
  imageRegistry: string | undefined,
): Record<string, unknown> {
  return deepMerge(
    {
      ...(imageRegistry ? { global: { imageRegistry } } : {}),
      prometheus: {
        prometheusSpec: {
          serviceMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
        },
      },
      grafana: {
        sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL' } },
      },
    },
    config.values,
  );
}

export interface MonitoringArgs {
  config: MonitoringConfig;
  deployment: string;
  namespace: pulumi.Input<string>;
  gpuOperatorNamespace?: string;
  imageRegistry?: string;
}

/** kube-prometheus-stack, ServiceMonitors for engines, gateway and DCGM, the ops alerts and dashboard. */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:cluster:Monitoring', name, {}, opts);
    if (!args.config.chartVersion) throw new Error('monitoring.chartVersion must pin a chart version');
    const labels = k8sLabels(args.deployment, 'monitoring', 'monitoring');
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: 'kube-prometheus-stack',
        chart: 'kube-prometheus-stack',
        version: args.config.chartVersion,
        namespace: args.config.namespace,
        createNamespace: true,
        repositoryOpts: { repo: args.config.chartRepo },
        values: monitoringValues(args.config, args.imageRegistry),
      },
      { parent: this },
    );
    // The CRDs come with the chart: monitors and rules wait for it.
    const after = { parent: this, dependsOn: [release] };
    const monitor = (role: 'engine' | 'gateway') =>
      new k8s.apiextensions.CustomResource(
        `${name}-${role}-monitor`,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: `${args.deployment}-${role}s`, namespace: args.namespace, labels },
          spec: {
            selector: { matchLabels: { 'ops.deployment': args.deployment, 'ops.role': role } },
            targetLabels: ['ops.role', 'ops.name'],
            endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
          },
        },
        after,
      );
    monitor('engine');
    monitor('gateway');
    if (args.gpuOperatorNamespace) {
      new k8s.apiextensions.CustomResource(
        `${name}-dcgm-monitor`,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: `${args.deployment}-dcgm`, namespace: args.gpuOperatorNamespace, labels },
          spec: {
            // The GPU Operator's exporter Service: label app=nvidia-dcgm-exporter, port gpu-metrics (9400).
            selector: { matchLabels: { app: 'nvidia-dcgm-exporter' } },
            namespaceSelector: { matchNames: [args.gpuOperatorNamespace] },
            endpoints: [{ port: 'gpu-metrics', interval: '15s' }],
          },
        },
        after,
      );
    }
    new k8s.apiextensions.CustomResource(
      `${name}-alerts`,
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: `${args.deployment}-alerts`, namespace: args.namespace, labels },
        spec: { groups: [{ name: `ops-${args.deployment}`, rules: opsAlertRules() }] },
      },
      after,
    );
    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: {
          name: `${args.deployment}-dashboard`,
          namespace: args.config.namespace,
          labels: { ...labels, grafana_dashboard: '1' },
        },
        data: { 'ops-overview.json': JSON.stringify(overviewDashboard(args.deployment)) },
      },
      after,
    );
    this.registerOutputs({ releaseStatus: release.status });
  }
}
