import { readdir } from 'node:fs/promises';
import { connectDocker } from '../runtime/docker-connection.js';
import type { DockerInfo } from './types.js';

/** The parts of the daemon's `GET /info` and `GET /version` answers the probe reads (Docker Engine API). */
export interface DockerDaemonFacts {
  info: {
    ServerVersion?: string;
    Runtimes?: Record<string, unknown>;
    DefaultRuntime?: string;
    CDISpecDirs?: string[];
  };
  version: { Version?: string; ApiVersion?: string };
}

export type DockerFactsSource = () => Promise<DockerDaemonFacts>;

/** Asks the daemon found by the runtime's connection strategies (DOCKER_HOST, system socket, rootless socket). */
export const queryDockerDaemon: DockerFactsSource = async () => {
  const docker = await connectDocker();
  const [info, version] = await Promise.all([docker.info(), docker.version()]);
  return { info, version };
};

/**
 * Docker as GPU containers need it: reachable, its version, and whether it can hand GPUs to containers, either
 * through the `nvidia` runtime that `nvidia-ctk runtime configure --runtime=docker` registers, or through CDI
 * (`CDISpecDirs` is empty when CDI is disabled, per the Engine API's SystemInfo schema) with an NVIDIA spec that
 * `nvidia-ctk cdi generate` writes to /etc/cdi or /var/run/cdi.
 */
export async function probeDocker(
  source: DockerFactsSource = queryDockerDaemon,
  listDir: (dir: string) => Promise<string[]> = (dir) => readdir(dir).catch(() => []),
): Promise<DockerInfo> {
  let facts: DockerDaemonFacts;
  try {
    facts = await source();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      present: false,
      serverVersion: null,
      apiVersion: null,
      nvidiaRuntime: false,
      defaultRuntime: null,
      cdiEnabled: false,
      nvidiaCdiSpec: false,
      error: message.split('\n')[0] ?? message,
    };
  }
  const cdiDirs = facts.info.CDISpecDirs ?? [];
  let nvidiaCdiSpec = false;
  for (const dir of cdiDirs) {
    if ((await listDir(dir)).some((f) => /^nvidia.*\.(ya?ml|json)$/i.test(f))) nvidiaCdiSpec = true;
  }
  return {
    present: true,
    serverVersion: facts.version.Version ?? facts.info.ServerVersion ?? null,
    apiVersion: facts.version.ApiVersion ?? null,
    nvidiaRuntime: Object.keys(facts.info.Runtimes ?? {}).includes('nvidia'),
    defaultRuntime: facts.info.DefaultRuntime ?? null,
    cdiEnabled: cdiDirs.length > 0,
    nvidiaCdiSpec,
    error: null,
  };
}
