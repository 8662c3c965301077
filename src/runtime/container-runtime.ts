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
}
