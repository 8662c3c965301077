import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { Catalog } from '../../src/catalog/types.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { planModels } from '../../src/planner/plan-models.js';
import { toPlanDocument } from '../../src/planner/to-plan-document.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { planModelOf } from '../../src/store/model-location.js';
import { diffAgainstProposal } from '../../src/upgrade/plan-diff.js';
import { intentOfRunningPlan, proposedEntries } from '../../src/upgrade/replan.js';
import { catalogCopy } from '../catalog/catalog-fixture.js';
import { HARDWARE } from '../planner/helpers.js';

// What `ops upgrade-models` does after `ops catalog update` (replanThisMachine without the detection): the running
// Plan's intent, re-planned with the catalog now active.
const shipped = loadCatalog();
const updatedDir = catalogCopy('2099.1.0');
afterAll(() => rmSync(updatedDir, { recursive: true, force: true }));
const updated = loadCatalog(updatedDir);
const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'consumer');
const hardware = HARDWARE['1x-rtx-3090'];

function runningPlan(): Plan {
  assert.ok(profile && hardware);
  const intent = intentOfRunningPlan({ engines: [] } as unknown as Plan, profile);
  const doc = toPlanDocument(planModels({ hardware, intent, catalog: shipped }), {
    deployment: 'default',
    modelFor: planModelOf,
    portBase: 8081,
  });
  const read = validatePlan(doc, { planDir: '/tmp' } as Parameters<typeof validatePlan>[1]);
  assert.ok(read.plan, JSON.stringify(read.problems));
  return read.plan;
}

function upgradeChanges(current: Plan, catalog: Catalog) {
  assert.ok(profile && hardware);
  const intent = intentOfRunningPlan(current, profile, { catalog, modelPathFor: planModelOf });
  const proposal = planModels({ hardware, intent, catalog });
  return diffAgainstProposal(
    current,
    proposedEntries(proposal.entries, catalog, planModelOf, () => false),
  ).changes;
}

describe('upgrade-models after a catalog update', () => {
  const current = runningPlan();

  it('with the shipped catalog, proposes nothing new for the Plan it made', () => {
    assert.deepEqual(
      upgradeChanges(current, shipped).map((c) => c.to.label),
      [],
    );
  });

  it('with the updated catalog, moves to the model only the new catalog has', () => {
    const changes = upgradeChanges(current, updated);
    const quality = changes.find((c) => c.role === 'quality-coder');
    assert.ok(quality, `a quality-coder change, got ${JSON.stringify(changes.map((c) => c.role))}`);
    assert.match(quality.to.label, /^future-coder-80b-a3b /);
    assert.match(quality.to.model, /example-publisher\/Future-Coder-80B-A3B-GGUF/);
    assert.match(
      quality.reasons.join('\n'),
      /^model Qwen3-Coder-Next-GGUF:\S+ → Future-Coder-80B-A3B-GGUF:/m,
    );
  });
});
