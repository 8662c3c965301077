import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../src/core/errors.js';
import { VLLM_IMAGE } from '../../src/engines/vllm-adapter.js';
import type { Plan, VllmEntry } from '../../src/plan/types.js';
import { resolveVllmLayout, type VllmClusterLayout } from '../../src/planner/cluster/vllm-layout.js';
import { ENGINE_PORT } from './engine-pod.js';
import { Gateway } from './gateway.js';
import { clusterGatewayPlan } from './gateway-plan.js';
import { GpuOperator } from './gpu-operator.js';
import { resolveImage } from './images.js';
import { k8sLabels, objectName } from './k8s-labels.js';
import { ModelCache } from './model-cache.js';
import { Monitoring } from './monitoring.js';
import type { ClusterStackConfig } from './stack-config.js';
import { VllmModel } from './vllm-model.js';

export interface OpsClusterArgs {
  plan: Plan;
  config: ClusterStackConfig;
  /** Default gateway image, `ops/gateway:<version>`; `ops:images.gateway` overrides it. */
  defaultGatewayImage: string;
  /** Client API keys for the gateway (a Pulumi secret). Required when the Plan has a gateway. */
  gatewayApiKeys?: pulumi.Input<string>;
  externalApiKeys?: pulumi.Input<Record<string, string>>;
}

/** Each vLLM entry with its layout, or every problem found across the Plan (checked before any resource). */
export function clusterLayouts(
  plan: Plan,
  config: ClusterStackConfig,
): {
  models: { entry: VllmEntry; layout: VllmClusterLayout }[];
  skipped: string[];
  problems: { path: string; message: string }[];
} {
  const models: { entry: VllmEntry; layout: VllmClusterLayout }[] = [];
  const skipped: string[] = [];
  const problems: { path: string; message: string }[] = [];
  plan.engines.forEach((entry, i) => {
    if (entry.engine === 'llama.cpp') skipped.push(entry.name);
    if (entry.engine !== 'vllm') return;
    const { layout, problems: found } = resolveVllmLayout(entry, {
      cluster: config.cluster,
      shape: config.modelShapes[entry.name],
    });
    for (const message of found) problems.push({ path: `engines[${i}] (${entry.name})`, message });
    if (layout) models.push({ entry, layout });
  });
  if (models.length === 0 && problems.length === 0) {
    problems.push({ path: 'engines', message: 'the cluster target runs vLLM entries; this Plan has none' });
  }
  return { models, skipped, problems };
}

/**
 * A whole ops deployment on a Kubernetes GPU cluster: GPU Operator, model cache, one vLLM workload per model,
 * the gateway, and monitoring. Every input is checked before the first resource is declared.
 */
export class OpsCluster extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly engineUrls: pulumi.Output<Record<string, string>>;
  readonly gatewayUrl: pulumi.Output<string> | undefined;
  readonly gpus: Record<string, number>;

  constructor(name: string, args: OpsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:cluster:OpsCluster', name, {}, opts);
    const { plan, config } = args;
    const { models, skipped, problems } = clusterLayouts(plan, config);
    const gatewayOn = plan.gateway?.enabled ?? true;
    if (gatewayOn && !args.gatewayApiKeys) {
      problems.push({
        path: 'ops:gatewayApiKeys',
        message:
          'the in-cluster gateway needs client API keys: pulumi config set --secret ops:gatewayApiKeys KEY1,KEY2',
      });
    }
    if (problems.length > 0) {
      throw new ValidationError(`cluster stack for deployment ${plan.deployment}`, problems, {
        hint: 'nothing was declared; fix the Plan or the stack config (pulumi config) and run again',
      });
    }
    for (const entry of skipped) {
      void pulumi.log.warn(
        `${entry}: llama.cpp entries run on single hosts or fleets, not on the cluster target`,
        this,
      );
    }

    const deployment = plan.deployment;
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: config.namespace, labels: k8sLabels(deployment, 'engine', 'namespace') } },
      { parent: this },
    );
    const namespace = ns.metadata.name;

    const operator = config.gpuOperator.enabled
      ? new GpuOperator(`${name}-gpu-operator`, { config: config.gpuOperator }, { parent: this })
      : undefined;
    const cache = new ModelCache(
      objectName(deployment, 'models'),
      {
        config: config.modelCache,
        storageClass: config.storageClass,
        namespace,
        labels: k8sLabels(deployment, 'engine', 'models'),
      },
      { parent: this },
    );

    const engines = models.map(
      ({ entry, layout }) =>
        new VllmModel(
          `${name}-${entry.name}`,
          {
            entry,
            layout,
            deployment,
            namespace,
            image: resolveImage(entry.image ?? VLLM_IMAGE, config.images.vllm, config.images.registry),
            modelVolume: cache.volume,
            nodeSelector: config.gpuNodeSelector,
            tolerations: config.gpuTolerations,
            resources: config.engineResources,
            serviceType: config.engineServiceType,
            multiNode: config.multiNode,
          },
          // Engines wait for the device plugin to advertise nvidia.com/gpu.
          { parent: this, dependsOn: operator ? [operator] : [] },
        ),
    );
    this.gpus = Object.fromEntries(models.map(({ entry, layout }) => [entry.name, layout.totalGpus]));
    this.engineUrls = pulumi
      .all(engines.map((e, i) => e.url.apply((url) => [models[i]?.entry.name ?? '', url] as const)))
      .apply((pairs) => Object.fromEntries(pairs));

    if (gatewayOn && args.gatewayApiKeys) {
      const hosts = pulumi
        .all(
          engines.map((e, i) =>
            pulumi
              .all([e.serviceName, namespace])
              .apply(([svc, n]) => [models[i]?.entry.name ?? '', `${svc}.${n}.svc.cluster.local`] as const),
          ),
        )
        .apply((pairs) => Object.fromEntries(pairs));
      const gateway = new Gateway(
        `${name}-gateway`,
        {
          deployment,
          namespace,
          image: resolveImage(args.defaultGatewayImage, config.images.gateway, config.images.registry),
          planDocument: hosts.apply((h) => clusterGatewayPlan(plan, h, ENGINE_PORT)),
          apiKeys: args.gatewayApiKeys,
          externalApiKeys: args.externalApiKeys,
          replicas: config.gatewayReplicas,
          resources: config.gatewayResources,
          serviceType: config.gatewayServiceType,
        },
        { parent: this },
      );
      this.gatewayUrl = gateway.url;
    }

    if (config.monitoring.enabled) {
      new Monitoring(
        `${name}-monitoring`,
        {
          config: config.monitoring,
          deployment,
          namespace,
          gpuOperatorNamespace: operator?.namespace,
          imageRegistry: config.images.registry,
        },
        { parent: this },
      );
    }
    this.namespace = namespace;
    this.registerOutputs({
      namespace,
      engineUrls: this.engineUrls,
      gatewayUrl: this.gatewayUrl,
      gpus: this.gpus,
    });
  }
}
