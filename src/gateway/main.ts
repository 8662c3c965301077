/**
 * The gateway as a service: the entry point of the `ops/gateway` image (bundled into one file), also runnable with
 * tsx. It takes everything from the environment so a container needs no CLI:
 *   OPS_PLAN_FILE (default /etc/ops/plan.yaml), OPS_GATEWAY_HOST / OPS_GATEWAY_PORT (default: the Plan's
 *   gateway section), OPS_USAGE_SPOOL (directory for usage NDJSON; unset: none), OPS_GATEWAY_API_KEYS,
 *   OPS_HOLD_FILE (default: `<name>.hold.json` beside a `<name>.plan.yaml`), OPS_CAPACITY_FACTS (default:
 *   `capacity-facts.json` beside the Plan). The Plan and hold files are watched:
 *   a rewritten Plan is reloaded without a restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { isOpsError } from '../core/errors.js';
import type { Plan } from '../plan/types.js';
import { validatePlan } from '../plan/validate-plan.js';
import { CAPACITY_FACTS_FILE, watchedCapacityFacts } from './capacity/capacity-facts.js';
import { createGatewayForPlan } from './gateway-for-plan.js';
import { holdFileFor, watchGatewayFiles } from './plan-watcher.js';
import { upstreamsFromPlan } from './upstreams-from-plan.js';
import { createUsageSpool } from './usage-spool.js';

/** Parses and validates the gateway's Plan copy; throws with every problem listed. */
function readGatewayPlan(text: string, planFile: string): Plan {
  // Reading only: model files and GPUs belong to the engines, checked by `up` on the host.
  const { plan, problems } = validatePlan(parse(text), { planDir: dirname(planFile) });
  if (!plan)
    throw new Error(`${planFile} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return plan;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const planFile = env.OPS_PLAN_FILE ?? '/etc/ops/plan.yaml';
  const planText = readFileSync(planFile, 'utf8');
  const plan = readGatewayPlan(planText, planFile);
  const spool = env.OPS_USAGE_SPOOL ? createUsageSpool(env.OPS_USAGE_SPOOL) : undefined;
  const { gateway } = createGatewayForPlan(plan, env, {
    ...(spool ? { usageSink: spool } : {}),
    // Quality and bench speed for the capacity API, written beside the Plan copy by `ops up`.
    capacityFacts: watchedCapacityFacts(
      env.OPS_CAPACITY_FACTS ?? join(dirname(planFile), CAPACITY_FACTS_FILE),
    ),
  });
  gateway.context.plan = { sha256: sha256(planText), loadedAt: new Date().toISOString() };
  const port = Number(env.OPS_GATEWAY_PORT ?? plan.gateway?.port ?? 8080);
  const host = env.OPS_GATEWAY_HOST ?? plan.gateway?.host ?? '127.0.0.1';
  const url = await gateway.listen(port, host);
  process.stdout.write(`ops gateway listening on ${url} for ${plan.engines.map((e) => e.name).join(', ')}\n`);
  // A changed Plan copy swaps upstreams and aliases in place (an upgrade's switch); the listening port, keys
  // and cloud policy are the container's own and change only by replacing it.
  const watcher = watchGatewayFiles({
    planFile,
    holdFile: env.OPS_HOLD_FILE ?? holdFileFor(planFile),
    initialPlanText: planText,
    onPlan(text) {
      try {
        const next = readGatewayPlan(text, planFile);
        const change = gateway.context.reload({
          upstreams: upstreamsFromPlan(next, env),
          aliases: next.gateway?.aliases ?? {},
        });
        gateway.context.plan = { sha256: sha256(text), loadedAt: new Date().toISOString() };
        process.stdout.write(
          `ops gateway reloaded the Plan: added [${change.added.join(', ')}], retired [${change.retired.join(', ')}]\n`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // The Plan in force stays; /health shows why the new one was refused.
        if (gateway.context.plan) gateway.context.plan = { ...gateway.context.plan, error: message };
        process.stderr.write(`ops gateway: kept the previous Plan: ${message}\n`);
      }
    },
    onHold(hold) {
      gateway.context.pool.hold(hold?.upstreams ?? [], hold?.untilMs);
      process.stdout.write(
        hold
          ? `ops gateway holds ${hold.upstreams.join(', ')} until ${new Date(hold.untilMs).toISOString()}\n`
          : 'ops gateway holds nothing\n',
      );
    },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  watcher.close();
  await gateway.close();
  await spool?.close();
}

serve(process.env).catch((error: unknown) => {
  process.stderr.write(`ops gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  if (isOpsError(error) && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
  process.exit(1);
});
