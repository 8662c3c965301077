import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import { GATEWAY_PORT } from './gateway-plan.js';
import { k8sLabels, objectName } from './k8s-labels.js';

export interface GatewayArgs {
  deployment: string;
  namespace: pulumi.Input<string>;
  image: string;
  /** The gateway Plan document (see `clusterGatewayPlan`); it must hold no secret. */
  planDocument: pulumi.Input<Record<string, unknown>>;
  /** Comma-separated client API keys (a Pulumi secret): required, the gateway refuses a public bind without. */
  apiKeys: pulumi.Input<string>;
  /** Upstream API keys of external entries, by the variable name the Plan's `apiKeyEnv` gives (secrets). */
  externalApiKeys?: pulumi.Input<Record<string, string>>;
  replicas: number;
  resources: { cpu: string; memory: string };
  serviceType: 'ClusterIP' | 'LoadBalancer';
}

const PLAN_DIR = '/etc/ops';

/**
 * The ops gateway: reads the Plan from a ConfigMap, its keys from a Secret, and routes to the engines'
 * Services by alias. A ClusterIP Service unless the stack config asks for a LoadBalancer.
 */
export class Gateway extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:cluster:Gateway', name, {}, opts);
    if (!args.image) throw new Error('gateway image is empty');
    if (args.replicas < 1) throw new Error(`gateway replicas must be at least 1, got ${args.replicas}`);

    const objName = objectName(args.deployment, 'gateway');
    const labels = k8sLabels(args.deployment, 'gateway', 'gateway');
    const meta = { name: objName, namespace: args.namespace, labels };
    const planYaml = pulumi.output(args.planDocument).apply((doc) => stringify(doc));

    const planMap = new k8s.core.v1.ConfigMap(
      `${name}-plan`,
      { metadata: meta, data: { 'plan.yaml': planYaml } },
      { parent: this },
    );
    const keys = new k8s.core.v1.Secret(
      `${name}-keys`,
      {
        metadata: meta,
        type: 'Opaque',
        stringData: pulumi
          .all([args.apiKeys, args.externalApiKeys ?? {}])
          .apply(([apiKeys, external]) => ({ ...external, OPS_GATEWAY_API_KEYS: apiKeys })),
      },
      { parent: this },
    );

    const httpGet = { path: '/health', port: 'http' };
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: {
              labels,
              // A changed Plan rolls the gateway (a ConfigMap edit alone restarts nothing).
              annotations: {
                'ops/plan-sha256': planYaml.apply((y) => createHash('sha256').update(y).digest('hex')),
              },
            },
            spec: {
              containers: [
                {
                  name: 'gateway',
                  image: args.image,
                  args: [
                    'gateway',
                    '--plan',
                    `${PLAN_DIR}/plan.yaml`,
                    '--host',
                    '0.0.0.0',
                    '--port',
                    String(GATEWAY_PORT),
                  ],
                  envFrom: [{ secretRef: { name: keys.metadata.name } }],
                  ports: [{ name: 'http', containerPort: GATEWAY_PORT }],
                  readinessProbe: { httpGet, periodSeconds: 5, failureThreshold: 3 },
                  livenessProbe: { httpGet, periodSeconds: 20, failureThreshold: 3 },
                  resources: {
                    requests: { cpu: args.resources.cpu, memory: args.resources.memory },
                    limits: { cpu: args.resources.cpu, memory: args.resources.memory },
                  },
                  volumeMounts: [{ name: 'plan', mountPath: PLAN_DIR, readOnly: true }],
                  securityContext: {
                    privileged: false,
                    allowPrivilegeEscalation: false,
                    runAsNonRoot: true,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
              volumes: [{ name: 'plan', configMap: { name: planMap.metadata.name } }],
            },
          },
        },
      },
      { parent: this },
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta,
        spec: {
          type: args.serviceType,
          selector: labels,
          ports: [{ name: 'http', port: GATEWAY_PORT, targetPort: 'http' }],
        },
      },
      { parent: this, dependsOn: [deployment] },
    );
    this.serviceName = service.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${GATEWAY_PORT}`;
    this.registerOutputs({ serviceName: this.serviceName, url: this.url });
  }
}
