import { loadActiveCatalog } from '../catalog/active-catalog.js';
import type { StateDir } from '../core/state-dir.js';
import type { Inventory } from '../detect/types.js';
import { formatProposal } from '../planner/format-proposal.js';
import { intentFromDefaults } from '../planner/intent-defaults.js';
import { inventoryToHardware } from '../planner/inventory-to-hardware.js';
import { planModels } from '../planner/plan-models.js';
import { toPlanDocument } from '../planner/to-plan-document.js';
import type { HardwareSpec, PlanProposal } from '../planner/types.js';
import type { Profile } from '../profiles/types.js';
import { planModelOf } from '../store/model-location.js';
import type { SetupAnswers } from './answers.js';

export interface SetupPlan {
  hardware: HardwareSpec;
  proposal: PlanProposal;
  /** The Plan document `ops up` takes (written to $OPS_HOME/setup/plan.yaml). */
  document: Record<string, unknown>;
  /** The human table of models, quantizations, predicted memory and speed. */
  text: string;
}

/**
 * Plans the models for the answers (pure apart from reading the catalog): the profile's defaults overridden by the
 * answers, then the gateway section with the `quality` / `fast` aliases Claude Code's tiers route to, and the cloud
 * fallback when it was allowed.
 */
export function planForSetup(input: {
  inventory: Pick<Inventory, 'gpus' | 'memory' | 'cpu'>;
  profile: Profile;
  answers: SetupAnswers;
  state: Pick<StateDir, 'modelsDir'>;
  header: string[];
}): SetupPlan {
  const { answers } = input;
  const { hardware, notes } = inventoryToHardware(input.inventory);
  const intent = intentFromDefaults(input.profile, {
    context: answers.contextTokens,
    agents: answers.agents,
    priority: answers.priority,
    ...(answers.sources ? { sources: answers.sources } : {}),
  });
  const proposal = planModels({ hardware, intent, catalog: loadActiveCatalog() });
  const text = formatProposal(proposal, input.header, notes, false);
  if (proposal.entries.length === 0) return { hardware, proposal, document: {}, text };
  const document = toPlanDocument(proposal, {
    deployment: answers.deployment,
    modelFor: planModelOf,
    portBase: answers.portBase,
    gatewayPort: answers.gatewayPort,
  });
  const gateway = document.gateway as { aliases: Record<string, string> } & Record<string, unknown>;
  const quality = gateway.aliases['quality-coder'] ?? Object.values(gateway.aliases)[0];
  const fast = gateway.aliases['fast-coder'] ?? quality;
  if (quality) gateway.aliases.quality = quality;
  if (fast) gateway.aliases.fast = fast;
  gateway.host = answers.gatewayHost;
  if (answers.cloudFallback) gateway.cloud = { mode: 'local-first' };
  return { hardware, proposal, document, text };
}
