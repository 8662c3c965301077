import type { Command } from 'commander';
import { OpsError } from '../../core/errors.js';
import { apiKeysFromEnv } from '../../gateway/auth.js';
import { createGatewayForPlan } from '../../gateway/gateway-for-plan.js';
import { readPlan } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import type { Plan } from '../../plan/types.js';
import { capacityFactsForPlan } from '../../runtime/capacity-facts-file.js';
import type { CliContext } from '../context.js';
import { listenPort } from '../numeric-option.js';

interface GatewayCliOptions {
  plan?: string;
  port?: number;
  host?: string;
}

/** `ops gateway`: runs the OpenAI + Anthropic gateway in the foreground until interrupted. */
export function registerGatewayCommand(program: Command, getContext: () => CliContext): void {
  program
    .command('gateway')
    .description(
      "run the gateway (OpenAI and Anthropic APIs) in front of the Plan's engines, in the foreground",
    )
    .option('--plan <file>', 'Plan file (YAML); default: the current Plan in $OPS_HOME/plan.yaml')
    .option('--port <n>', "port to listen on (default: the Plan's gateway.port, else 8080)", listenPort)
    .option('--host <h>', 'address to bind (default 127.0.0.1; others need OPS_GATEWAY_API_KEYS)')
    .action(async (opts: GatewayCliOptions) => {
      const ctx = getContext();
      const file = planFileToUse(ctx.state, opts.plan);
      if (!file) {
        throw new OpsError('no Plan given and no current Plan in the state directory', {
          hint: 'pass --plan FILE, or run `ops up --plan FILE` first',
          exitCode: 2,
        });
      }
      const { plan } = readPlan(file);
      const port = opts.port ?? plan.gateway?.port ?? 8080;
      const host = opts.host ?? plan.gateway?.host ?? '127.0.0.1';
      const { gateway, upstreams } = createGatewayForPlan(plan, process.env, {
        // Quality and bench speed for the capacity API, read once from the ledger and the catalog.
        capacityFacts: capacityFactsOrNone(ctx, plan),
        // One line per request, without prompt contents (those are never logged).
        usageSink: (r) =>
          ctx.bus.emit({
            kind: 'log',
            level: 'debug',
            message: `${r.api} ${r.model} → ${r.upstream} ${r.status} in ${r.latencyMs} ms (${r.inputTokens} in, ${r.outputTokens} out)`,
          }),
      });
      let url: string;
      try {
        url = await gateway.listen(port, host);
      } catch (error) {
        await gateway.close();
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new OpsError(`port ${port} on ${host} is already in use`, {
            hint: 'pick another with --port N',
            exitCode: 2,
          });
        }
        throw error;
      }
      ctx.bus.emit({ kind: 'gateway:listening', url, upstreams: upstreams.map((u) => u.name) });
      ctx.output(
        `Point Claude Code at it:\n  export ANTHROPIC_BASE_URL=${url}\n  export ANTHROPIC_AUTH_TOKEN=${apiKeysFromEnv(process.env).length ? '<one of OPS_GATEWAY_API_KEYS>' : 'local'}\nOpenAI clients: base URL ${url}/v1`,
        { url, upstreams: upstreams.map((u) => u.name) },
        false,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await gateway.close();
    });
}

/** The capacity facts, or none with a warning: a ledger that cannot be read must not stop the gateway. */
function capacityFactsOrNone(ctx: CliContext, plan: Plan): ReturnType<typeof capacityFactsForPlan> {
  try {
    return capacityFactsForPlan(ctx.state, plan);
  } catch (error) {
    ctx.bus.emit({
      kind: 'log',
      level: 'warn',
      message: `capacity facts (bench speed, eval and catalog quality) not read: ${error instanceof Error ? error.message : String(error)}`,
    });
    return {};
  }
}
