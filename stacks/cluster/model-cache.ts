import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ClusterStackConfig } from './stack-config.js';

type Volume = k8s.types.input.core.v1.Volume;

/**
 * Where engine pods read model files: a PersistentVolumeClaim (shared by every engine pod) or a directory on each
 * GPU node. Either way a model the Plan names `/any/path/<dir>` is found at `<cache>/<dir>`, as on one host.
 */
export class ModelCache extends pulumi.ComponentResource {
  /** The pod volume (without a name; the pod spec names it). */
  readonly volume: Volume;

  constructor(
    name: string,
    args: {
      config: ClusterStackConfig['modelCache'];
      storageClass?: string;
      namespace: pulumi.Input<string>;
      labels: Record<string, string>;
    },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('ops:cluster:ModelCache', name, {}, opts);
    const { config } = args;
    if (config.kind === 'hostPath') {
      if (!config.path.startsWith('/'))
        throw new Error(`modelCache.path must be absolute, got ${config.path}`);
      this.volume = { name: 'models', hostPath: { path: config.path, type: 'Directory' } };
      this.registerOutputs({ hostPath: config.path });
      return;
    }
    if (config.existingClaim) {
      this.volume = {
        name: 'models',
        persistentVolumeClaim: { claimName: config.existingClaim, readOnly: true },
      };
      this.registerOutputs({ claimName: config.existingClaim });
      return;
    }
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-pvc`,
      {
        metadata: { name: `${name}`, namespace: args.namespace, labels: args.labels },
        spec: {
          accessModes: [config.accessMode],
          resources: { requests: { storage: config.size } },
          ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
        },
      },
      // Weights take hours to fetch: a stack update must never drop them.
      { parent: this, protect: true },
    );
    this.volume = { name: 'models', persistentVolumeClaim: { claimName: name, readOnly: true } };
    this.registerOutputs({ claimName: claim.metadata.name });
  }
}
