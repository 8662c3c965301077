import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { OpsError } from '../core/errors.js';
import type { ContainerSpec } from '../engines/types.js';
import { type ContainerNetwork, containerNetworkFromEnv } from './container-network.js';
import type {
  ContainerRuntime,
  ContainerState,
  JobResult,
  JobSpec,
  ManagedContainer,
} from './container-runtime.js';
import { toDockerCreateOptions } from './docker-create-options.js';
import { toDockerJobOptions } from './docker-job-options.js';
import { demuxDockerLogs } from './docker-log-frames.js';

/** ContainerRuntime on the Docker Engine API through dockerode. */
export class DockerodeRuntime implements ContainerRuntime {
  constructor(
    private readonly docker: Docker,
    private readonly network: ContainerNetwork = containerNetworkFromEnv(),
  ) {}

  async list(labels: Record<string, string>): Promise<ManagedContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const found = await this.docker.listContainers({ all: true, filters });
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels ?? {},
      state: c.State as ContainerState,
      ...healthOf(c.Status),
      hostPorts: (c.Ports ?? []).flatMap((p) => (p.PublicPort ? [p.PublicPort] : [])),
    }));
  }

  async create(spec: ContainerSpec, configHash: string): Promise<string> {
    try {
      const container = await this.docker.createContainer(
        toDockerCreateOptions(spec, configHash, this.network),
      );
      return container.id;
    } catch (cause) {
      throw dockerError(`could not create container ${spec.name}`, cause);
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (cause) {
      if (statusOf(cause) === 304) return; // already running
      throw dockerError(`could not start container ${id.slice(0, 12)}`, cause);
    }
  }

  async stop(id: string, timeoutS = 10): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutS });
    } catch (cause) {
      if (statusOf(cause) === 304 || statusOf(cause) === 404) return;
      throw dockerError(`could not stop container ${id.slice(0, 12)}`, cause);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (cause) {
      if (statusOf(cause) === 404) return;
      // 409: removal already in progress — Docker finishes it on its own.
      if (statusOf(cause) === 409) return;
      throw dockerError(`could not remove container ${id.slice(0, 12)}`, cause);
    }
  }

  async logs(id: string, tail: number): Promise<string> {
    try {
      const raw = (await this.docker
        .getContainer(id)
        .logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demuxDockerLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    } catch (cause) {
      if (statusOf(cause) === 404) return '';
      throw dockerError(`could not read logs of ${id.slice(0, 12)}`, cause);
    }
  }

  async followLogs(
    id: string,
    tail: number,
    out: NodeJS.WritableStream,
    signal?: AbortSignal,
  ): Promise<void> {
    const container = this.docker.getContainer(id);
    const stream = (await container.logs({
      stdout: true,
      stderr: true,
      tail,
      follow: true,
    })) as NodeJS.ReadableStream;
    const onAbort = () => (stream as unknown as { destroy?: () => void }).destroy?.();
    try {
      await new Promise<void>((resolve, reject) => {
        container.modem.demuxStream(stream, out, out);
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
        signal?.addEventListener('abort', () => resolve(), { once: true });
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) onAbort();
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async inspect(id: string) {
    const info = await this.docker.getContainer(id).inspect();
    return {
      state: info.State.Status as ContainerState,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      restartCount: info.RestartCount ?? 0,
    };
  }

  async runJob(
    spec: JobSpec,
    options: { timeoutMs: number; signal?: AbortSignal; onOutput?: (text: string) => void },
  ): Promise<JobResult> {
    let id: string;
    try {
      id = (await this.docker.createContainer(toDockerJobOptions(spec))).id;
    } catch (cause) {
      throw dockerError(`could not create job container ${spec.name}`, cause);
    }
    const container = this.docker.getContainer(id);
    try {
      const started = performance.now();
      // Wait for the *next* exit, attached before start so a job that exits at once is not missed (the default
      // condition, not-running, answers at once for a created container: Docker Engine API, ContainerWait).
      const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      // If start fails, nobody awaits the wait: it must not become an unhandled rejection when the job is removed.
      exited.catch(() => undefined);
      await container.start();
      // Output as it comes, for progress (llama-quantize's tensor count); the result still carries all of it.
      const following = options.onOutput
        ? this.followLogs(
            id,
            0,
            new Writable({
              write(chunk: Buffer, _encoding, done) {
                options.onOutput?.(chunk.toString('utf8'));
                done();
              },
            }),
          ).catch(() => undefined)
        : undefined;
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const kill = () => container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      const onAbort = () => void kill();
      options.signal?.addEventListener('abort', onAbort);
      if (options.signal?.aborted) onAbort();
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          void kill().then(() => resolve());
        }, options.timeoutMs);
      });
      try {
        await Promise.race([exited, deadline]);
        const status = await exited;
        await following;
        if (options.signal?.aborted)
          throw new OpsError(`interrupted: job ${spec.name}`, {
            cause: options.signal.reason,
            exitCode: 130,
          });
        const info = await container.inspect();
        return {
          exitCode: status.StatusCode,
          timedOut,
          oomKilled: info.State.OOMKilled,
          output: await this.logs(id, 100_000),
          durationMs: performance.now() - started,
        };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      }
    } catch (cause) {
      if (cause instanceof OpsError) throw cause;
      throw dockerError(`job ${spec.name} failed to run`, cause);
    } finally {
      await this.remove(id);
    }
  }

  async imageEnv(image: string): Promise<string[] | undefined> {
    try {
      return (await this.docker.getImage(image).inspect()).Config?.Env ?? [];
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw dockerError(`could not inspect image ${image}`, cause);
    }
  }

  async processes(id: string): Promise<number[]> {
    // `docker top` lists the container's processes with their pids as the host sees them.
    const top = await this.docker
      .getContainer(id)
      .top()
      .catch((cause) => {
        // Gone or not running (404, 409): it has no processes. Anything else is the daemon's failure to say.
        if (statusOf(cause) === 404 || statusOf(cause) === 409) return undefined;
        throw dockerError(`could not list the processes of container ${id.slice(0, 12)}`, cause);
      });
    const pidColumn = top?.Titles.indexOf('PID') ?? -1;
    if (pidColumn < 0) return [];
    return (top?.Processes ?? [])
      .map((row: string[]) => Number(row[pidColumn]))
      .filter((pid: number) => Number.isInteger(pid) && pid > 0);
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (cause) {
      if (statusOf(cause) === 404) return false;
      throw dockerError(`could not inspect image ${image}`, cause);
    }
  }
}

function healthOf(status: string): Pick<ManagedContainer, 'health'> {
  if (status.includes('(healthy)')) return { health: 'healthy' };
  if (status.includes('(unhealthy)')) return { health: 'unhealthy' };
  if (status.includes('(health: starting)')) return { health: 'starting' };
  return {};
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

function dockerError(message: string, cause: unknown): OpsError {
  const detail =
    (cause as { json?: { message?: string } })?.json?.message ?? (cause as Error)?.message ?? String(cause);
  const hint = /port is already allocated|address already in use/i.test(detail)
    ? 'another program holds that port: pick another port in the Plan or stop that program'
    : /could not select device driver "nvidia"/i.test(detail)
      ? 'Docker has no NVIDIA runtime: install the NVIDIA Container Toolkit and run `nvidia-ctk runtime configure --runtime=docker` (ops setup does this)'
      : undefined;
  return new OpsError(`${message}: ${detail}`, { cause, ...(hint ? { hint } : {}) });
}
