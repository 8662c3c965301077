import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCatalog } from '../catalog/load-catalog.js';
import type { Catalog } from '../catalog/types.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { readSuiteRuns } from '../eval/eval-store.js';
import {
  type BenchFact,
  buildCapacityFacts,
  CAPACITY_FACTS_FILE,
  type CapacityFactsFile,
} from '../gateway/capacity/capacity-facts.js';
import type { CapacityFacts } from '../gateway/capacity/capacity-service.js';
import { buildAliasTable } from '../gateway/model-aliases.js';
import { Ledger, ledgerPath } from '../ledger/ledger.js';
import { readPlan } from '../plan/load-plan.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import type { PlannedModel } from '../planner/types.js';
import { formatModelLocation, plannedModelLocation } from '../store/model-location.js';
import { runningQualityLookup } from '../upgrade/replan.js';
import { gatewayPaths } from './gateway-container.js';

/**
 * What the capacity API reports but the gateway cannot measure, per Plan entry, from the ledger (`ops bench`
 * speeds, `ops eval` pass rates) and the catalog (quality of the model at each entry's path). A ledger that does
 * not exist yet, or a catalog that does not know a model, leaves those facts out.
 */
export function capacityFactsForPlan(
  state: Pick<StateDir, 'root'>,
  plan: Plan,
  catalog: Catalog = loadCatalog(),
): Record<string, CapacityFacts> {
  const table = buildAliasTable(plan.engines, plan.gateway?.aliases);
  let bench: BenchFact[] = [];
  let evals: ReturnType<typeof readSuiteRuns> = [];
  const file = ledgerPath(state);
  if (existsSync(file)) {
    const ledger = Ledger.open(file, { readonly: true });
    try {
      if (ledger.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bench_runs'").get())
        bench = ledger.db
          .prepare('SELECT model, ts_ms AS tsMs, decode_tps AS decodeTokensPerS FROM bench_runs')
          .all() as BenchFact[];
      evals = readSuiteRuns(ledger, 0, Date.now() + 1).filter(
        (r) => r.target === 'local' && r.variant === null,
      );
    } finally {
      ledger.close();
    }
  }
  const quality = runningQualityLookup(catalog, (entry: PlannedModel) =>
    formatModelLocation(plannedModelLocation(entry)),
  );
  return buildCapacityFacts({
    entries: plan.engines.map((e) => e.name),
    entryOf: (model) => table.get(model),
    bench,
    evals,
    catalogQuality: (name) => {
      const entry = plan.engines.find((e) => e.name === name);
      const score = entry && isContainerEntry(entry) ? quality(entry.model) : undefined;
      return score === undefined
        ? undefined
        : {
            score: Math.min(100, Math.max(0, score)),
            basis: 'catalog coding quality (SWE-bench Verified, less the quant’s loss)',
          };
    },
  });
}

/** Writes `capacity-facts.json` beside the gateway's Plan copy (atomically: the gateway may be reading it). */
export function writeCapacityFactsFile(
  gatewayPlanFile: string,
  facts: Record<string, CapacityFacts>,
): string {
  const file = join(dirname(gatewayPlanFile), CAPACITY_FACTS_FILE);
  const doc: CapacityFactsFile = { writtenAt: new Date().toISOString(), models: facts };
  writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/**
 * `capacityFactsForPlan` written beside the gateway's Plan copy; a failure (a locked or damaged ledger) is a
 * warning, never a failed bring-up: the capacity API then reports nulls for what it cannot know.
 */
export function refreshCapacityFacts(
  state: Pick<StateDir, 'root'>,
  plan: Plan,
  gatewayPlanFile: string,
  bus: EventBus,
): void {
  try {
    writeCapacityFactsFile(gatewayPlanFile, capacityFactsForPlan(state, plan));
  } catch (error) {
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `capacity facts (bench speed, eval and catalog quality) not written for the gateway: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/**
 * After `ops bench` or `ops eval` stored new runs: rewrites the running gateway's facts file (the current Plan's,
 * when its gateway's Plan copy exists), which the gateway re-reads. Nothing to do without a running Plan.
 */
export function refreshCapacityFactsAfterRuns(state: StateDir, bus: EventBus): void {
  if (!existsSync(state.planFile)) return;
  try {
    const { plan } = readPlan(state.planFile);
    const { planFile } = gatewayPaths(state, plan.deployment);
    if (existsSync(planFile)) refreshCapacityFacts(state, plan, planFile, bus);
  } catch (error) {
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `the gateway's capacity facts were not refreshed: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}
