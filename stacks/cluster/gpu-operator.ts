import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { deepMerge } from '../shared/deep-merge.js';
import type { ClusterStackConfig } from './stack-config.js';

type GpuOperatorConfig = ClusterStackConfig['gpuOperator'];

/**
 * Helm values for NVIDIA's GPU Operator: driver and container toolkit (each off when the nodes already have
 * it), device plugin, DCGM and its exporter. Value names from the chart's reference (`driver.enabled`,
 * `toolkit.enabled`, `devicePlugin.enabled`, `dcgmExporter.enabled`); the monitoring stack brings its own
 * ServiceMonitor for the exporter, so the chart's is left off. User values are merged last.
 */
export function gpuOperatorValues(config: GpuOperatorConfig): Record<string, unknown> {
  return deepMerge(
    {
      driver: { enabled: !config.preinstalledDriver },
      toolkit: { enabled: !config.preinstalledToolkit },
      devicePlugin: { enabled: true },
      dcgm: { enabled: true },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: false } },
    },
    config.values,
  );
}

/** The NVIDIA GPU Operator as a Helm release. Its own pods are privileged (drivers), and only they are. */
export class GpuOperator extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: { config: GpuOperatorConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('ops:cluster:GpuOperator', name, {}, opts);
    const { config } = args;
    if (!config.chartVersion) throw new Error('gpuOperator.chartVersion must pin a chart version');
    this.namespace = config.namespace;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: 'gpu-operator',
        chart: 'gpu-operator',
        version: config.chartVersion,
        namespace: config.namespace,
        createNamespace: true,
        repositoryOpts: { repo: config.chartRepo },
        values: gpuOperatorValues(config),
        // Driver containers compile and load kernel modules: give the rollout time.
        timeout: 1800,
      },
      { parent: this },
    );
    this.registerOutputs({ namespace: this.namespace, status: this.release.status });
  }
}
