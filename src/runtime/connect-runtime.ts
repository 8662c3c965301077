import type { ContainerRuntime } from './container-runtime.js';
import { connectDocker } from './docker-connection.js';
import { DockerodeRuntime } from './dockerode-runtime.js';

/**
 * The container runtime on this machine's daemon (found by `connectDocker`'s strategies): what commands act through,
 * so that only `src/runtime/` and `src/images/` know the Docker client.
 */
export async function connectRuntime(env: NodeJS.ProcessEnv = process.env): Promise<ContainerRuntime> {
  return new DockerodeRuntime(await connectDocker(env));
}
