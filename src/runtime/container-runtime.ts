import type { ContainerSpec } from '../engines/types.js';

/** Lifecycle states as Docker reports them. */
export type ContainerState = 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';

/** A container ops created, as the runtime sees it now. */
export interface ManagedContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Docker's own healthcheck verdict, when the container has one. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** Host ports the container publishes. */
  hostPorts: number[];
}

/** The container runtime as ops uses it: labels in, labels out. One implementation per runtime (dockerode). */
export interface ContainerRuntime {
  /** Containers (running or not) whose labels include every given label. */
  list(labels: Record<string, string>): Promise<ManagedContainer[]>;
  create(spec: ContainerSpec, configHash: string): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutS?: number): Promise<void>;
  remove(id: string): Promise<void>;
  /** The last `tail` lines of stdout and stderr, interleaved as written. */
  logs(id: string, tail: number): Promise<string>;
  /** Streams logs until the container stops or the signal aborts. */
  followLogs(id: string, tail: number, out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void>;
  inspect(
    id: string,
  ): Promise<{ state: ContainerState; exitCode: number; oomKilled: boolean; restartCount: number }>;
  imageExists(image: string): Promise<boolean>;
  /** An image's configured environment (`KEY=value`, as `docker image inspect` shows it); undefined when absent. */
  imageEnv(image: string): Promise<string[] | undefined>;
  /** Host pids of a running container's processes (`docker top`); empty when it is not running. */
  processes(id: string): Promise<number[]>;
  /**
   * Runs a job container to completion: create, start, wait (killed at `timeoutMs`), collect its output, remove.
   * The container is removed whatever happens, so a job leaves nothing behind.
   */
  runJob(
    spec: JobSpec,
    options: { timeoutMs: number; signal?: AbortSignal; onOutput?: (text: string) => void },
  ): Promise<JobResult>;
}

/** A short-lived, confined container (an eval sandbox run): no ports, no health check, hard limits. */
export interface JobSpec {
  name: string;
  image: string;
  /** Replaces the image's entrypoint (a sibling tool of the image's server, such as llama-quantize). */
  entrypoint?: string[];
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Bind mounts; a job's inputs come in read-only. */
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** `uid:gid`; jobs never run as root. */
  user: string;
  /** Always `none`: no network at all (the agentic suite reaches the gateway through a mounted unix socket). */
  network: 'none';
  readOnlyRoot: boolean;
  /** tmpfs mounts: target → size in bytes (the only writable places when the root is read-only). */
  tmpfs: Record<string, number>;
  limits: { memoryBytes: number; nanoCpus: number; pids: number };
  /** Output kept by Docker's log driver, so a flood of output cannot fill the host's disk. */
  maxLogBytes: number;
}

/** How a job ended. `timedOut` and `oomKilled` say why it was stopped when it did not exit by itself. */
export interface JobResult {
  exitCode: number;
  timedOut: boolean;
  oomKilled: boolean;
  /** stdout and stderr interleaved as written, truncated to the job's `maxLogBytes`. */
  output: string;
  durationMs: number;
}
