import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { LABEL } from '../../src/core/labels.js';
import { connectDocker } from '../../src/runtime/docker-connection.js';
import { DockerodeRuntime } from '../../src/runtime/dockerode-runtime.js';

/** Test deployments are named t-*; `make clean-test-containers` removes leftovers of killed runs by that label. */
export function testDeploymentName(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface DockerTestKit {
  docker: Docker;
  runtime: DockerodeRuntime;
  dir: string;
  /** Removes every container of the given deployments (by label) and the temp dir. */
  cleanup(...deployments: string[]): Promise<void>;
}

export async function dockerTestKit(): Promise<DockerTestKit> {
  const docker = await connectDocker();
  const dir = mkdtempSync(join(tmpdir(), 'ops-test-'));
  return {
    docker,
    runtime: new DockerodeRuntime(docker),
    dir,
    async cleanup(...deployments: string[]) {
      for (const deployment of deployments) {
        const found = await docker.listContainers({
          all: true,
          filters: { label: [`${LABEL.deployment}=${deployment}`] },
        });
        await Promise.all(
          found.map((c) =>
            docker
              .getContainer(c.Id)
              .remove({ force: true })
              .catch(() => undefined),
          ),
        );
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Engine image the tests run (built by `make image`). */
export const TEST_ENGINE_IMAGE = process.env.OPS_TEST_ENGINE_IMAGE ?? 'ops/llama.cpp:cpu';
