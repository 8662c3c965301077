import { OpsError } from '../core/errors.js';
import type { PlannedModel, PlanProposal } from './types.js';

export interface PlanDocumentOptions {
  deployment: string;
  /** The Plan's `model` value for an entry: a store reference (see store/model-location.ts) or a path. */
  modelFor: (entry: PlannedModel) => string;
  /** First engine port; entries take consecutive ports. */
  portBase: number;
  /** The gateway's port (default 8080): engine ports skip it. */
  gatewayPort?: number;
}

/** Entry name from a variant id: Plan names are lowercase letters, digits and dashes, at most 41. */
export function entryName(entry: PlannedModel): string {
  return `${entry.modelId}-${entry.quant}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 41)
    .replace(/-+$/, '');
}

/** The gateway alias each role also answers to, so Claude Code's tier names find it. */
const ROLE_TIER: Record<string, string> = { 'quality-coder': 'quality', 'fast-coder': 'fast' };

/**
 * Writes a proposal as a Plan document (the object `ops up` validates with `validatePlan`). llama.cpp entries get
 * `contextLength` = per-agent context × slots and `parallel` = agents; vLLM entries their tensor-parallel size,
 * memory fraction, quantization and KV cache dtype. The gateway maps each role to the entry that serves it.
 */
export function toPlanDocument(
  proposal: PlanProposal,
  options: PlanDocumentOptions,
): Record<string, unknown> {
  if (proposal.entries.length === 0) {
    throw new OpsError('the plan has no model to run: nothing in the catalog fits this machine and intent', {
      hint:
        proposal.suggestions.length > 0
          ? proposal.suggestions.join('\n')
          : 'try a shorter context, fewer agents or another hardware profile',
      exitCode: 2,
    });
  }
  const gatewayPort = options.gatewayPort ?? 8080;
  let port = options.portBase;
  const nextPort = () => {
    if (port === gatewayPort) port++;
    return port++;
  };
  const aliases: Record<string, string> = {};
  const engines = proposal.entries.flatMap((e) => {
    const name = entryName(e);
    for (const role of [e.role, ...e.alsoServes]) {
      aliases[role] = name;
      // Claude Code's tiers route to `quality` (opus, sonnet) and `fast` (haiku): see gateway/model-aliases.ts.
      const tier = ROLE_TIER[role];
      if (tier) aliases[tier] = name;
    }
    const common = {
      name,
      aliases: [e.modelName],
      contextLength: e.contextLength,
      parallel: e.parallel,
      model: options.modelFor(e),
      gpus: e.gpus,
      args: e.args,
      port: nextPort(),
    };
    const vllm = {
      tensorParallel: e.tensorParallel,
      gpuMemoryUtilization: e.gpuMemoryUtilization,
      ...(e.quantization ? { quantization: e.quantization } : {}),
      ...(e.kvCacheDtype && e.kvCacheDtype !== 'auto' ? { kvCacheDtype: e.kvCacheDtype } : {}),
      ...(e.toolCallParser ? { toolCallParser: e.toolCallParser } : {}),
    };
    const entry = (fields: typeof common & { replicaOf?: string }) =>
      e.engine === 'llama.cpp'
        ? { engine: 'llama.cpp', ...fields }
        : { engine: 'vllm', ...fields, servedModelName: fields.name, ...vllm };
    // Data-parallel copies (planner/replicas.ts): entries of their own, named after the first and marked
    // `replicaOf` it, so the gateway balances the first's aliases over all of them.
    const replicas = (e.replicas ?? []).map((r, i) =>
      entry({
        ...common,
        name: `${name.slice(0, 41 - `-r${i + 2}`.length).replace(/-+$/, '')}-r${i + 2}`,
        aliases: [],
        gpus: r.gpus,
        args: r.args,
        port: nextPort(),
        replicaOf: name,
      }),
    );
    return [entry(common), ...replicas];
  });
  return {
    version: 1,
    deployment: options.deployment,
    engines,
    gateway: { enabled: true, port: gatewayPort, aliases },
    // Monitoring is on by default (Prometheus, node exporter, the agent); drop the section to run without it.
    monitoring: {},
  };
}
