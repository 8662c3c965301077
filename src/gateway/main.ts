/**
 * The gateway as a service: the entry point of the `ops/gateway` image (bundled into one file), also runnable with
 * tsx. It takes everything from the environment so a container needs no CLI:
 *   OPS_PLAN_FILE (default /etc/ops/plan.yaml), OPS_GATEWAY_HOST / OPS_GATEWAY_PORT (default: the Plan's
 *   gateway section), OPS_USAGE_SPOOL (directory for usage NDJSON; unset: none), OPS_GATEWAY_API_KEYS.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { isOpsError } from '../core/errors.js';
import { validatePlan } from '../plan/validate-plan.js';
import { apiKeysFromEnv } from './auth.js';
import { createGateway } from './server.js';
import { upstreamsFromPlan } from './upstreams-from-plan.js';
import { createUsageSpool } from './usage-spool.js';

async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const planFile = env.OPS_PLAN_FILE ?? '/etc/ops/plan.yaml';
  // Model files and GPUs belong to the engines (often not visible from here): only names, ports, context,
  // slots and aliases matter to the gateway, so those host checks are answered as satisfied.
  const { plan, problems } = validatePlan(parse(readFileSync(planFile, 'utf8')), {
    planDir: dirname(planFile),
    statPath: () => 'file',
    gpuIndexes: Array.from({ length: 64 }, (_, i) => i),
    takenPorts: new Set(),
  });
  if (!plan)
    throw new Error(`${planFile} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const spool = env.OPS_USAGE_SPOOL ? createUsageSpool(env.OPS_USAGE_SPOOL) : undefined;
  const gateway = createGateway({
    upstreams: upstreamsFromPlan(plan, env),
    aliases: plan.gateway?.aliases ?? {},
    apiKeys: apiKeysFromEnv(env),
    ...(plan.gateway?.cloud ? { cloud: plan.gateway.cloud, env } : {}),
    ...(spool ? { usageSink: spool } : {}),
  });
  const port = Number(env.OPS_GATEWAY_PORT ?? plan.gateway?.port ?? 8080);
  const host = env.OPS_GATEWAY_HOST ?? plan.gateway?.host ?? '127.0.0.1';
  const url = await gateway.listen(port, host);
  process.stdout.write(`ops gateway listening on ${url} for ${plan.engines.map((e) => e.name).join(', ')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await gateway.close();
  await spool?.close();
}

serve(process.env).catch((error: unknown) => {
  process.stderr.write(`ops gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  if (isOpsError(error) && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
  process.exit(1);
});
