import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { VllmEntry } from '../../src/plan/types.js';
import type { VllmClusterLayout } from '../../src/planner/cluster/vllm-layout.js';
import {
  ENGINE_PORT,
  ENGINE_SECURITY_CONTEXT,
  type EnginePodInputs,
  enginePodSpec,
  engineResources,
  healthProbes,
  vllmEnv,
  vllmServerArgs,
} from './engine-pod.js';
import { k8sLabels, objectName } from './k8s-labels.js';
import { RAY_NODE_MANAGER_PORT, RAY_PORT, rayLeaderScript, rayWorkerScript } from './ray-commands.js';

export interface VllmModelArgs extends EnginePodInputs {
  entry: VllmEntry;
  layout: VllmClusterLayout;
  deployment: string;
  namespace: pulumi.Input<string>;
  image: string;
  resources: { cpu: string; memory: string };
  serviceType: 'ClusterIP' | 'LoadBalancer';
  multiNode: 'leaderworkerset' | 'ray';
}

const POD_ROLE = 'ops.pod-role';

/**
 * One model of the Plan on the cluster: a vLLM Deployment when it fits one node, otherwise a Ray cluster of one
 * pod per pipeline stage (a LeaderWorkerSet, or a Ray head Deployment + worker StatefulSet), and a Service.
 */
export class VllmModel extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** The OpenAI-compatible base URL inside the cluster. */
  readonly url: pulumi.Output<string>;
  readonly gpus: number;

  constructor(name: string, args: VllmModelArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:cluster:VllmModel', name, {}, opts);
    const { entry, layout } = args;
    if (layout.gpusPerPod < 1) throw new Error(`${entry.name}: a vLLM pod needs at least one GPU`);
    if (layout.pods !== layout.pipelineParallel) {
      throw new Error(
        `${entry.name}: one pod per pipeline stage expected (${layout.pods} ≠ ${layout.pipelineParallel})`,
      );
    }
    if (!args.image) throw new Error(`${entry.name}: no engine image`);

    const objName = objectName(args.deployment, entry.name);
    const labels = k8sLabels(args.deployment, 'engine', entry.name);
    const leaderLabels = { ...labels, [POD_ROLE]: 'leader' };
    const serverArgs = vllmServerArgs(entry, layout, args.deployment);
    const container = (
      role: 'server' | 'leader' | 'worker',
      script?: string,
    ): k8s.types.input.core.v1.Container => ({
      name: role === 'worker' ? 'ray-worker' : 'vllm',
      image: args.image,
      ...(script ? { command: ['/bin/bash', '-c'], args: [script] } : { args: serverArgs }),
      env: [
        ...vllmEnv(entry, args.deployment),
        ...(script ? [{ name: 'RAY_USAGE_STATS_ENABLED', value: '0' }] : []),
      ],
      ports:
        role === 'worker'
          ? [{ name: 'raylet', containerPort: RAY_NODE_MANAGER_PORT }]
          : [
              { name: 'http', containerPort: ENGINE_PORT },
              ...(role === 'leader' ? [{ name: 'ray', containerPort: RAY_PORT }] : []),
            ],
      resources: engineResources(layout.gpusPerPod, args.resources.cpu, args.resources.memory),
      ...(role === 'worker'
        ? { readinessProbe: { tcpSocket: { port: 'raylet' }, periodSeconds: 10 } }
        : healthProbes(entry.healthTimeoutS)),
      securityContext: ENGINE_SECURITY_CONTEXT,
    });
    const meta = (extra: Record<string, string> = {}) => ({
      name: objName,
      namespace: args.namespace,
      labels: { ...labels, ...extra },
    });

    let workload: pulumi.Resource;
    if (!layout.multiNode) {
      workload = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
          metadata: meta(),
          spec: {
            replicas: 1,
            // A GPU pod cannot start beside the one it replaces on a full node: stop first, then start.
            strategy: { type: 'Recreate' },
            selector: { matchLabels: leaderLabels },
            template: { metadata: { labels: leaderLabels }, spec: enginePodSpec(container('server'), args) },
          },
        },
        { parent: this },
      );
    } else if (args.multiNode === 'leaderworkerset') {
      // LWS injects LWS_LEADER_ADDRESS into every pod of the group (LeaderWorkerSet docs).
      workload = new k8s.apiextensions.CustomResource(
        `${name}-lws`,
        {
          apiVersion: 'leaderworkerset.x-k8s.io/v1',
          kind: 'LeaderWorkerSet',
          metadata: meta(),
          spec: {
            replicas: 1,
            startupPolicy: 'LeaderCreated',
            leaderWorkerTemplate: {
              size: layout.pods,
              restartPolicy: 'RecreateGroupOnPodRestart',
              leaderTemplate: {
                metadata: { labels: leaderLabels },
                spec: enginePodSpec(container('leader', rayLeaderScript(serverArgs, layout.pods)), args),
              },
              workerTemplate: {
                metadata: { labels: { ...labels, [POD_ROLE]: 'worker' } },
                spec: enginePodSpec(container('worker', rayWorkerScript('$(LWS_LEADER_ADDRESS)')), args),
              },
            },
          },
        },
        { parent: this },
      );
    } else {
      const headService = new k8s.core.v1.Service(
        `${name}-ray-head`,
        {
          metadata: { ...meta(), name: `${objName}-ray` },
          spec: { clusterIP: 'None', selector: leaderLabels, ports: [{ name: 'ray', port: RAY_PORT }] },
        },
        { parent: this },
      );
      const head = new k8s.apps.v1.Deployment(
        `${name}-ray-leader`,
        {
          metadata: meta(),
          spec: {
            replicas: 1,
            strategy: { type: 'Recreate' },
            selector: { matchLabels: leaderLabels },
            template: {
              metadata: { labels: leaderLabels },
              spec: enginePodSpec(container('leader', rayLeaderScript(serverArgs, layout.pods)), args),
            },
          },
        },
        { parent: this },
      );
      const workerLabels = { ...labels, [POD_ROLE]: 'worker' };
      const headHost = pulumi.interpolate`${objName}-ray.${args.namespace}.svc.cluster.local`;
      workload = new k8s.apps.v1.StatefulSet(
        `${name}-ray-workers`,
        {
          metadata: { ...meta(), name: `${objName}-worker` },
          spec: {
            replicas: layout.pods - 1,
            serviceName: `${objName}-ray`,
            selector: { matchLabels: workerLabels },
            template: {
              metadata: { labels: workerLabels },
              spec: headHost.apply((host) => enginePodSpec(container('worker', rayWorkerScript(host)), args)),
            },
          },
        },
        { parent: this, dependsOn: [head, headService] },
      );
    }

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta(),
        spec: {
          type: args.serviceType,
          selector: leaderLabels,
          ports: [{ name: 'http', port: ENGINE_PORT, targetPort: 'http' }],
        },
      },
      { parent: this, dependsOn: [workload] },
    );

    this.gpus = layout.totalGpus;
    this.serviceName = service.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${ENGINE_PORT}/v1`;
    this.registerOutputs({ serviceName: this.serviceName, url: this.url, gpus: this.gpus });
  }
}
