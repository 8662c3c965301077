import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../core/atomic-write.js';
import { baseLabels, containerName, LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { displayHost } from '../engines/engine-container.js';
import type { ContainerSpec } from '../engines/types.js';
import type { Plan } from '../plan/types.js';

/** The gateway's entry name in labels and container names (reserved: no engine may use it). */
export const GATEWAY_NAME = 'gateway';
/** The state dir's gateway/ directory is mounted here (the directory: see `gatewayContainerSpec`). */
const PLAN_DIR_IN_CONTAINER = '/etc/ops';
const SPOOL_IN_CONTAINER = '/var/lib/ops/spool';

/** Where the gateway's copy of the Plan and its usage spool live in the state directory. */
export function gatewayPaths(state: StateDir, deployment: string): { planFile: string; spoolDir: string } {
  return {
    planFile: join(state.root, 'gateway', `${deployment}.plan.yaml`),
    spoolDir: join(state.root, 'spool', deployment),
  };
}

/** The gateway's view of a Plan as YAML: what it routes by (model paths do not matter to it). */
export function gatewayPlanText(plan: Plan): string {
  const { sourceDir: _sourceDir, ...doc } = plan;
  return `# Written by ops up for the gateway container; the Plan itself is ${'$'}OPS_HOME/plan.yaml.\n${stringify(doc)}`;
}

/** Writes the gateway's Plan copy atomically and makes the spool directory; returns the paths. */
export function prepareGatewayFiles(state: StateDir, plan: Plan): { planFile: string; spoolDir: string } {
  const paths = gatewayPaths(state, plan.deployment);
  mkdirSync(join(state.root, 'gateway'), { recursive: true });
  mkdirSync(paths.spoolDir, { recursive: true });
  writeFileAtomic(paths.planFile, gatewayPlanText(plan));
  return paths;
}

/**
 * The gateway container for a Plan with a `gateway` section. It shares the host's network: engines publish on
 * the host's loopback, and the gateway binds its own port directly (no proxy in the request path).
 * The Plan copy's DIRECTORY is mounted, not the file: the copy is replaced by atomic rename, and a single-file
 * bind mount keeps showing the old inode. The gateway watches the copy and reloads it (upstreams and aliases
 * swap without a restart), so the Plan text is not part of its config hash: a changed Plan does not replace it.
 */
export function gatewayContainerSpec(
  plan: Plan,
  ctx: {
    image: string;
    paths: { planFile: string; spoolDir: string };
    user?: string;
    env?: NodeJS.ProcessEnv;
  },
): ContainerSpec {
  const gateway = plan.gateway!;
  const env = ctx.env ?? {};
  // Keys the gateway needs, handed over from ops's own environment: client keys, and the cloud key when the
  // hybrid policy may use the cloud.
  const cloud = gateway.cloud;
  const wanted = ['OPS_GATEWAY_API_KEYS', ...(cloud && cloud.mode !== 'local-only' ? [cloud.apiKeyEnv] : [])];
  const passThrough = wanted.filter((k) => env[k]);
  return {
    name: containerName(plan.deployment, GATEWAY_NAME),
    image: ctx.image,
    cmd: [],
    env: {
      OPS_PLAN_FILE: `${PLAN_DIR_IN_CONTAINER}/${basename(ctx.paths.planFile)}`,
      OPS_USAGE_SPOOL: SPOOL_IN_CONTAINER,
      OPS_GATEWAY_HOST: gateway.host,
      OPS_GATEWAY_PORT: String(gateway.port),
      // Keys for clients and for external upstreams are handed over from ops's own environment.
      ...Object.fromEntries(passThrough.map((k) => [k, env[k] as string])),
      ...Object.fromEntries(
        plan.engines.flatMap((e) =>
          e.engine === 'external' && e.apiKeyEnv && env[e.apiKeyEnv]
            ? [[e.apiKeyEnv, env[e.apiKeyEnv] as string]]
            : [],
        ),
      ),
    },
    labels: {
      ...baseLabels(plan.deployment, 'gateway', GATEWAY_NAME),
      [LABEL.url]: `http://${displayHost(gateway.host)}:${gateway.port}`,
    },
    mounts: [
      { source: dirname(ctx.paths.planFile), target: PLAN_DIR_IN_CONTAINER, readOnly: true },
      { source: ctx.paths.spoolDir, target: SPOOL_IN_CONTAINER, readOnly: false },
    ],
    port: { container: gateway.port, host: gateway.port, hostIp: gateway.host },
    network: 'host',
    gpus: { kind: 'none' },
    restartPolicy: 'unless-stopped',
    healthcheck: {
      test: ['CMD', 'curl', '-fsS', `http://${displayHost(gateway.host)}:${gateway.port}/`],
      intervalS: 10,
      timeoutS: 3,
      retries: 3,
      startPeriodS: 10,
    },
    // No model: the Plan it routes by is reloaded in place (see above).
    modelIdentity: 'none',
    ...(ctx.user ? { user: ctx.user } : {}),
  };
}

/**
 * Environment variables the gateway will need and ops's own environment lacks: keys of external upstreams and,
 * when the hybrid policy may use the cloud, the cloud key. Checked before `up` touches anything.
 */
export function missingGatewaySecrets(plan: Plan, env: NodeJS.ProcessEnv): string[] {
  const needed = plan.engines.flatMap((e) => (e.engine === 'external' && e.apiKeyEnv ? [e.apiKeyEnv] : []));
  const cloud = plan.gateway?.cloud;
  if (cloud && cloud.mode !== 'local-only') needed.push(cloud.apiKeyEnv);
  return [...new Set(needed)].filter((name) => !env[name]);
}
