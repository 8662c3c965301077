import type { SetupAnswers } from './answers.js';
import type { SetupPrompter } from './prompts.js';

/** Asks what matters, each question defaulting to the current answer (saved, from the file, or the profile's). */
export async function askAnswers(prompter: SetupPrompter, current: SetupAnswers): Promise<SetupAnswers> {
  const priority = await prompter.priority(current.priority);
  const contextTokens = await prompter.contextTokens(current.contextTokens);
  const agents = await prompter.agents(current.agents);
  const cloudFallback = await prompter.cloudFallback(current.cloudFallback);
  const electricityUsdPerKWh = await prompter.electricityUsdPerKWh(current.electricityUsdPerKWh);
  const hardwareCostUsd = await prompter.hardwareCostUsd(current.hardwareCostUsd);
  return {
    ...current,
    priority,
    contextTokens,
    agents,
    cloudFallback,
    electricityUsdPerKWh,
    hardwareCostUsd,
  };
}
