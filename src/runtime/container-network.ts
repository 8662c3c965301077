import { OpsError } from '../core/errors.js';
import type { ContainerSpec } from '../engines/types.js';

/**
 * Where ops's containers get their network. By default the host's (the gateway, monitoring) or a loopback-published
 * port (engines). `OPS_CONTAINER_NETWORK=container:<name>` puts every one of them into that container's network
 * namespace instead, Docker's own `--network container:<name>`: for a box whose stack lives in a namespace of its
 * own with no route out, which ops then runs in too (`ip netns exec`), so the stack is on ops's loopback there.
 * The air-gap test installs a bundle that way (test/bundle/setup-bundle-sealed.e2e.test.ts).
 */
export interface ContainerNetwork {
  /** Join this container's network namespace; nothing is published. */
  joinContainer?: string;
}

export const CONTAINER_NETWORK_ENV = 'OPS_CONTAINER_NETWORK';

/** Reads the setting from the environment (pure over `env`); a value of any other form is refused. */
export function containerNetworkFromEnv(env: NodeJS.ProcessEnv = process.env): ContainerNetwork {
  const value = env[CONTAINER_NETWORK_ENV]?.trim();
  if (!value) return {};
  const m = /^container:([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(value);
  if (!m)
    throw new OpsError(
      `${CONTAINER_NETWORK_ENV} must be container:<name or id>, got ${JSON.stringify(value)}`,
      {
        exitCode: 2,
        hint: `unset ${CONTAINER_NETWORK_ENV} to use the host's network`,
      },
    );
  return { joinContainer: m[1]! };
}

/**
 * The Docker network settings of a container (pure). In a joined namespace nothing can be published, so a container
 * reached through a published port must listen on that same port inside, or nothing would answer where the Plan says.
 */
export function networkSettings(
  spec: Pick<ContainerSpec, 'name' | 'network' | 'port'>,
  network: ContainerNetwork,
): { NetworkMode?: string; publish: boolean } {
  if (network.joinContainer) {
    if (spec.network !== 'host' && spec.port.host !== spec.port.container)
      throw new OpsError(
        `${spec.name} listens on port ${spec.port.container} inside its container, and the Plan gives it port ${spec.port.host}: in ${CONTAINER_NETWORK_ENV}=container:${network.joinContainer} nothing is published, so they must be the same`,
        { exitCode: 2, hint: `set the engine's port to ${spec.port.container} in the Plan` },
      );
    return { NetworkMode: `container:${network.joinContainer}`, publish: false };
  }
  return spec.network === 'host' ? { NetworkMode: 'host', publish: false } : { publish: true };
}
