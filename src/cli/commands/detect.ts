import type { Command } from 'commander';
import { detectInventory } from '../../detect/detect-inventory.js';
import { formatInventorySummary } from '../../detect/format-inventory.js';
import { inventoryFromNvidiaSmiXml } from '../../detect/inventory-from-file.js';
import type { Inventory } from '../../detect/types.js';
import { classify } from '../../profiles/classify.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import type { RegisterCommand } from './index.js';

interface DetectOptions {
  json?: boolean;
  nvidiaSmiXml?: string;
}

/** `ops detect`: the hardware inventory and the profile it selects, as text or JSON. */
export const registerDetectCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('detect')
    .description('detect GPUs, CPU, memory, disks, OS and Docker, and choose a hardware profile')
    .option('--json', 'print the inventory and the profile as JSON')
    .option(
      '--nvidia-smi-xml <file>',
      'classify from a saved `nvidia-smi -q -x` output instead of this machine',
    )
    .action(async (options: DetectOptions) => {
      const context = getContext();
      // Profiles first: a broken profile file is reported before any probing.
      const profiles = loadProfiles(defaultProfilesDir());
      const inventory: Inventory = options.nvidiaSmiXml
        ? await inventoryFromNvidiaSmiXml(options.nvidiaSmiXml)
        : await detectInventory();
      for (const attempt of inventory.gpuDetection.tried) {
        context.bus.emit({ kind: 'log', level: 'debug', message: `${attempt.strategy}: ${attempt.reason}` });
      }
      const classification = classify(inventory, profiles);
      const title = profiles.find((p) => p.id === classification.id)?.title;
      const { source, gpus, gpuDetection, cpu, memory, disks, os, docker } = inventory;
      const json = { source, gpus, gpuDetection, cpu, memory, disks, os, docker, profile: classification };
      context.output(
        formatInventorySummary(inventory, { ...classification, title }),
        json,
        options.json ?? false,
      );
    });
};
