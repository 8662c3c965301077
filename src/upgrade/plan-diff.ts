import { basename } from 'node:path';
import { isContainerEntry, type Plan } from '../plan/types.js';
import type { EntryReplacement, PredictedMemory } from './types.js';

/** What the planner would run for one role now, ready to compare with the running entry. */
export interface ProposedEntry {
  role: string;
  /** `ops-smoke-tiny Q8_0` */
  label: string;
  model: string;
  contextLength: number;
  parallel: number;
  args: string[];
  gpus: number[];
  predicted: PredictedMemory;
  totalBytes: number;
  estTokensPerSec: number;
  /** Bytes still to download (0: the file is here, or it is made locally). */
  downloadBytes: number;
  /** Made on this machine (smoke model: written and quantized) rather than downloaded. */
  builtin: boolean;
  supportsTools: boolean;
  /** The proposed model's quality with its weights' quantization (catalog quality + quant loss); see weightsQuality. */
  quality?: number;
}

/** One role whose running entry differs from what the planner would choose now. */
export interface RoleChange {
  role: string;
  /** The running entry that serves the role. */
  entry: string;
  from: { model: string; contextLength: number; parallel: number; args: string[] };
  to: ProposedEntry;
  /** What differs, as a person reads it. */
  reasons: string[];
}

/**
 * Compares the running Plan with the planner's choice, role by role (pure). A role is found in the running Plan
 * by the gateway alias named after it (`quality-coder: coder`), as `ops plan` writes it. Two roles served by one
 * entry become one change (the first role's proposal); roles the Plan does not route are noted and skipped.
 */
export function diffAgainstProposal(
  current: Plan,
  proposed: readonly ProposedEntry[],
  only?: string,
): { changes: RoleChange[]; notes: string[] } {
  const changes: RoleChange[] = [];
  const notes: string[] = [];
  for (const p of proposed) {
    if (only && p.role !== only) continue;
    const entryName = current.gateway?.aliases[p.role];
    const entry = current.engines.find((e) => e.name === entryName);
    if (!entry || !isContainerEntry(entry)) {
      notes.push(`role ${p.role} is not routed to an engine ops runs in the current Plan; skipped`);
      continue;
    }
    const reasons: string[] = [];
    if (entry.model !== p.model)
      reasons.push(`model ${basename(entry.model)} → ${basename(p.model)} (${p.label})`);
    if (entry.contextLength !== p.contextLength)
      reasons.push(`context ${entry.contextLength} → ${p.contextLength}`);
    if (entry.parallel !== p.parallel) reasons.push(`parallel ${entry.parallel} → ${p.parallel}`);
    if (JSON.stringify(entry.args) !== JSON.stringify(p.args))
      reasons.push(`args [${entry.args.join(' ')}] → [${p.args.join(' ')}]`);
    if (reasons.length === 0) continue;
    if (changes.some((c) => c.entry === entry.name)) {
      notes.push(`role ${p.role} shares ${entry.name} with another role; that role's choice is applied`);
      continue;
    }
    changes.push({
      role: p.role,
      entry: entry.name,
      from: {
        model: entry.model,
        contextLength: entry.contextLength,
        parallel: entry.parallel,
        args: entry.args,
      },
      to: p,
      reasons,
    });
  }
  return { changes, notes };
}

/** The replacements that carry out a set of role changes. */
export function replacementsFor(changes: readonly RoleChange[]): EntryReplacement[] {
  return changes.map((c) => ({
    entry: c.entry,
    model: c.to.model,
    contextLength: c.to.contextLength,
    parallel: c.to.parallel,
    args: c.to.args,
    gpus: c.to.gpus,
    supportsTools: c.to.supportsTools,
    predicted: c.to.predicted,
    label: c.to.label,
  }));
}

/**
 * The replacements that return a Plan to a previous one (`ops rollback`), matched role by role through the
 * gateway aliases, and by entry-name stem where there is no gateway.
 */
export function replacementsToReturnTo(current: Plan, previous: Plan): EntryReplacement[] {
  const out: EntryReplacement[] = [];
  const stem = (n: string) => n.replace(/-[0-9a-f]{6}$/, '');
  for (const entry of current.engines.filter(isContainerEntry)) {
    const roles = Object.entries(current.gateway?.aliases ?? {})
      .filter(([, target]) => target === entry.name)
      .map(([alias]) => alias);
    const viaRole = roles
      .map((r) => previous.gateway?.aliases[r])
      .find((name) => name !== undefined && previous.engines.some((e) => e.name === name));
    const before =
      previous.engines.find((e) => e.name === viaRole) ??
      previous.engines.find((e) => e.name === entry.name) ??
      previous.engines.find((e) => stem(e.name) === stem(entry.name));
    if (!before || !isContainerEntry(before)) continue;
    if (
      before.model === entry.model &&
      before.contextLength === entry.contextLength &&
      before.parallel === entry.parallel &&
      JSON.stringify(before.args) === JSON.stringify(entry.args) &&
      before.image === entry.image
    )
      continue;
    out.push({
      entry: entry.name,
      model: before.model,
      contextLength: before.contextLength,
      parallel: before.parallel,
      args: before.args,
      gpus: before.gpus,
      ...(before.image ? { image: before.image } : {}),
      label: basename(before.model),
    });
  }
  return out;
}

/**
 * Keeps only the changes that do not lower model quality (pure). A change whose proposed model scores below the
 * running one (`runningQuality` of the running model path, from the catalog) is held back with a note unless
 * `allowDowngrade`; so is a model change away from a model the catalog does not know (its quality cannot be
 * compared). Context, slot and argument changes to the same model always pass.
 */
export function holdDowngrades(
  changes: readonly RoleChange[],
  runningQuality: (modelPath: string) => number | undefined,
  allowDowngrade: boolean,
): { changes: RoleChange[]; notes: string[] } {
  if (allowDowngrade) return { changes: [...changes], notes: [] };
  const kept: RoleChange[] = [];
  const notes: string[] = [];
  for (const c of changes) {
    if (c.from.model === c.to.model) {
      kept.push(c);
      continue;
    }
    const before = runningQuality(c.from.model);
    const after = c.to.quality;
    if (before === undefined) {
      notes.push(
        `${c.role}: kept ${basename(c.from.model)}: it is not in the catalog, so ${c.to.label} cannot be shown to be better (--allow-downgrade to switch anyway)`,
      );
      continue;
    }
    if (after === undefined || after < before - 1e-9) {
      notes.push(
        `${c.role}: kept ${basename(c.from.model)} (quality ${before.toFixed(1)}): ${c.to.label} scores ${after === undefined ? 'unknown' : after.toFixed(1)}, a downgrade (--allow-downgrade to take it)`,
      );
      continue;
    }
    kept.push(c);
  }
  return { changes: kept, notes };
}
