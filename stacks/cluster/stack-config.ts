import { z } from 'zod';

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity, e.g. 8, 500m, 64Gi');
const serviceType = z.enum(['ClusterIP', 'LoadBalancer']).default('ClusterIP');
const resources = (cpu: string, memory: string) =>
  z.strictObject({ cpu: quantity.default(cpu), memory: quantity.default(memory) }).prefault({});

const clusterSchema = z.strictObject({
  nodes: z.array(
    z.strictObject({
      name: z.string().min(1),
      gpus: z.array(z.strictObject({ name: z.string().min(1), vramMiB: z.number().int().positive() })),
    }),
  ),
});

const shapeSchema = z.strictObject({
  attentionHeads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  layers: z.number().int().positive(),
  weightsBytes: z.number().positive(),
});

const tolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).default('Exists'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

/**
 * The `ops:*` Pulumi config of the cluster stack (secrets are read apart, never through this schema).
 * Defaults are what a GPU cluster with the NVIDIA GPU Operator's node labels and taints needs.
 */
export const clusterStackConfigSchema = z.strictObject({
  namespace: z.string().default('ops'),
  storageClass: z.string().optional(),
  modelCache: z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('pvc'),
        size: quantity.default('500Gi'),
        // Several engine pods on several nodes read the same files: a shared (RWX) volume.
        accessMode: z.enum(['ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce']).default('ReadWriteMany'),
        existingClaim: z.string().optional(),
      }),
      z.strictObject({
        kind: z.literal('hostPath'),
        path: z.string().startsWith('/').default('/var/lib/ops/models'),
      }),
    ])
    .default({ kind: 'pvc', size: '500Gi', accessMode: 'ReadWriteMany' }),
  images: z
    .strictObject({
      /** A private registry that mirrors the public images (`registry.corp/mirror`). */
      registry: z.string().optional(),
      vllm: z.string().optional(),
      gateway: z.string().optional(),
    })
    .prefault({}),
  gpuOperator: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The nodes already have the NVIDIA driver: the operator must not install its own. */
      preinstalledDriver: z.boolean().default(false),
      preinstalledToolkit: z.boolean().default(false),
      namespace: z.string().default('gpu-operator'),
      chartVersion: z.string().default('v25.3.0'),
      chartRepo: z.string().default('https://helm.ngc.nvidia.com/nvidia'),
      values: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      enabled: z.boolean().default(true),
      namespace: z.string().default('monitoring'),
      chartVersion: z.string().default('70.0.0'),
      chartRepo: z.string().default('https://prometheus-community.github.io/helm-charts'),
      values: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  /** GPU Feature Discovery (deployed by the GPU Operator) labels GPU nodes with this. */
  gpuNodeSelector: z.record(z.string(), z.string()).default({ 'nvidia.com/gpu.present': 'true' }),
  gpuTolerations: z
    .array(tolerationSchema)
    .default([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
  /** How a model that spans nodes is run: a LeaderWorkerSet (needs the LWS controller) or Ray head + workers. */
  multiNode: z.enum(['leaderworkerset', 'ray']).default('leaderworkerset'),
  cluster: clusterSchema.optional(),
  /** Model shapes by Plan entry name, for the head-count rule and the planner. */
  modelShapes: z.record(z.string(), shapeSchema).default({}),
  engineServiceType: serviceType,
  gatewayServiceType: serviceType,
  engineResources: resources('8', '64Gi'),
  gatewayResources: resources('2', '2Gi'),
  gatewayReplicas: z.number().int().min(1).max(20).default(2),
});

export type ClusterStackConfig = z.infer<typeof clusterStackConfigSchema>;
export type ClusterStackConfigInput = z.input<typeof clusterStackConfigSchema>;

/** Parses the stack config; every problem is returned with its path, none thrown. */
export function parseClusterStackConfig(raw: unknown): {
  config?: ClusterStackConfig;
  problems: { path: string; message: string }[];
} {
  const result = clusterStackConfigSchema.safeParse(raw ?? {});
  if (result.success) return { config: result.data, problems: [] };
  return {
    problems: result.error.issues.map((i) => ({ path: `ops:${i.path.join('.')}`, message: i.message })),
  };
}
