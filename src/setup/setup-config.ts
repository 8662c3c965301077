import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { configPath } from '../config/load-config.js';
import { opsConfigSchema } from '../config/ops-config.js';
import type { StateDir } from '../core/state-dir.js';
import type { SetupAnswers } from './answers.js';

/**
 * Puts the answers the report needs (electricity price, hardware cost) into `$OPS_HOME/config.yaml`, keeping
 * everything else in the file (comments included). Returns what happened, for the summary.
 */
export function writeSetupConfig(state: Pick<StateDir, 'root'>, answers: SetupAnswers): string {
  const file = configPath(state);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(before || '{}');
  if (doc.errors.length > 0)
    return `${file} has YAML errors; left as it is (fix it, then run ops setup again)`;
  doc.setIn(['tariff', 'usdPerKWh'], answers.electricityUsdPerKWh);
  doc.setIn(['hardware', 'costUsd'], answers.hardwareCostUsd);
  const checked = opsConfigSchema.safeParse(doc.toJS());
  if (!checked.success) return `${file} does not validate; left as it is (see ops doctor)`;
  const after = before
    ? doc.toString()
    : `# Written by ops setup; see README for every field.\n${doc.toString()}`;
  if (after === before) return `${file} unchanged`;
  writeFileSync(file, after);
  return `${file}: tariff.usdPerKWh ${answers.electricityUsdPerKWh}, hardware.costUsd ${answers.hardwareCostUsd}`;
}
