import { containerName, engineLabels } from '../core/labels.js';
import type { ContainerEntry } from '../plan/types.js';
import type { ContainerSpec, GpuRequest, MountSpec, SpecContext } from './types.js';

/** The host a client on this machine uses to reach a port bound to `host`. */
export function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/**
 * The part of an engine's container spec that every adapter writes the same way: its name and labels (with the
 * address clients reach it at), the read-only model mount, the Plan's port bound on the Plan's host address, the
 * GPUs, the restart policy, the model identity and the invoking user. The adapter adds image, command, environment
 * and health check.
 */
export function engineContainerBase(
  entry: ContainerEntry,
  ctx: SpecContext,
  containerPort: number,
  mount: MountSpec,
  gpus: GpuRequest,
): Pick<
  ContainerSpec,
  'name' | 'labels' | 'mounts' | 'port' | 'gpus' | 'restartPolicy' | 'modelIdentity' | 'user'
> {
  return {
    name: containerName(ctx.deployment, entry.name),
    labels: engineLabels(
      ctx.deployment,
      entry.name,
      entry.engine,
      `http://${displayHost(entry.host)}:${entry.port}`,
    ),
    mounts: [mount],
    port: { container: containerPort, host: entry.port, hostIp: entry.host },
    gpus,
    restartPolicy: 'unless-stopped',
    modelIdentity: ctx.modelIdentity,
    ...(ctx.user ? { user: ctx.user } : {}),
  };
}
