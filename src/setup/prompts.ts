import { confirm, number, select } from '@inquirer/prompts';

/**
 * Every question `ops setup` asks, behind one interface: the wizard only talks to a SetupPrompter, so tests replace
 * it with scripted answers, and the terminal version below is the only place that knows about inquirer.
 */
export interface SetupPrompter {
  priority(current: 'quality' | 'speed'): Promise<'quality' | 'speed'>;
  contextTokens(current: number): Promise<number>;
  agents(current: number): Promise<number>;
  cloudFallback(current: boolean): Promise<boolean>;
  electricityUsdPerKWh(current: number): Promise<number>;
  hardwareCostUsd(current: number): Promise<number>;
  /** A yes/no before something happens (e.g. "provision the host and start the stack?"). */
  confirm(message: string, current: boolean): Promise<boolean>;
}

/** Context lengths offered (tokens); the current value is added when it is not one of them. */
const CONTEXT_CHOICES = [4096, 8192, 16384, 32768, 65536, 131072];

/** The prompts on a terminal, with @inquirer/prompts (arrow keys and Enter; Ctrl-C aborts). */
export function terminalPrompter(): SetupPrompter {
  return {
    priority: (current) =>
      select({
        message: 'What matters more?',
        default: current,
        choices: [
          { name: 'quality — the best model that fits', value: 'quality' as const },
          { name: 'speed — the fastest good-enough model', value: 'speed' as const },
        ],
      }),
    contextTokens: (current) => {
      const values = [...new Set([...CONTEXT_CHOICES, current])].sort((a, b) => a - b);
      return select({
        message: 'Context length per agent (tokens)?',
        default: current,
        choices: values.map((v) => ({ name: `${v.toLocaleString('en-US')} tokens`, value: v })),
      });
    },
    agents: (current) =>
      number({
        message: 'How many agents at the same time?',
        default: current,
        min: 1,
        max: 1024,
        required: true,
      }),
    cloudFallback: (current) =>
      confirm({
        message: 'Allow cloud fallback (Anthropic API) when the local engines are busy?',
        default: current,
      }),
    electricityUsdPerKWh: (current) =>
      number({
        message: 'Electricity price (USD per kWh)?',
        default: current,
        min: 0,
        max: 10,
        step: 'any',
        required: true,
      }),
    hardwareCostUsd: (current) =>
      number({
        message: 'What did this hardware cost (USD)?',
        default: current,
        min: 0,
        step: 'any',
        required: true,
      }),
    confirm: (message, current) => confirm({ message, default: current }),
  };
}
