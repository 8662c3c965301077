import type { ContainerEntry, EngineKind } from '../plan/types.js';

/** A bind mount from the host into the container. */
export interface MountSpec {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Which NVIDIA GPUs a container gets: none, all, or specific device ids. */
export type GpuRequest = { kind: 'none' } | { kind: 'all' } | { kind: 'devices'; deviceIds: string[] };

/**
 * Everything needed to create one engine container, independent of the runtime that creates it.
 * The config hash is computed over this, so anything that should cause a replace must live here.
 */
export interface ContainerSpec {
  name: string;
  image: string;
  entrypoint?: string[];
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: MountSpec[];
  port: { container: number; host: number; hostIp: string };
  gpus: GpuRequest;
  restartPolicy: 'no' | 'unless-stopped' | 'on-failure';
  healthcheck: { test: string[]; intervalS: number; timeoutS: number; retries: number; startPeriodS: number };
  shmSizeBytes?: number;
  /** `uid:gid` the engine runs as; it reads exactly the model files this user can. */
  user?: string;
  /**
   * `host`: the container shares the host's network and listens on `port.host` itself (the gateway, which must
   * reach engines published on the host's loopback). Default: Docker's bridge with a published port.
   */
  network?: 'bridge' | 'host';
  /** Identity of the model file (size + mtime), so a changed model at the same path replaces the container. */
  modelIdentity: string;
}

/** Names of the engine's Prometheus metrics the gateway and monitoring read. */
export interface EngineMetricNames {
  queueDepth: string;
  tokensGenerated: string;
  tokensPerSecond?: string;
  kvCacheUsage?: string;
}

/** Deployment-wide inputs an adapter needs besides the Plan entry. */
export interface SpecContext {
  deployment: string;
  modelIdentity: string;
  /** `uid:gid` to run engines as: the user who runs ops (see hostUser()). */
  user?: string;
}

/** One adapter per engine: how a Plan entry becomes a container, and where to look at it. */
export interface EngineAdapter<E extends ContainerEntry = ContainerEntry> {
  readonly kind: Exclude<EngineKind, 'external'>;
  readonly defaultImage: string;
  /** Port the engine listens on inside the container. */
  readonly containerPort: number;
  readonly healthPath: string;
  readonly metricsPath: string;
  readonly metricNames: EngineMetricNames;
  containerSpec(entry: E, ctx: SpecContext): ContainerSpec;
}
