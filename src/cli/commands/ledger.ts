import type { Command } from 'commander';
import { configPath, loadOpsConfig } from '../../config/load-config.js';
import { OpsError } from '../../core/errors.js';
import { importFile } from '../../ledger/import/import-file.js';
import { IMPORT_KINDS, type ImportKind } from '../../ledger/import/record-schemas.js';
import { Ledger, ledgerPath } from '../../ledger/ledger.js';
import { updateRollups } from '../../ledger/rollups.js';
import type { RegisterCommand } from './index.js';

interface ImportOptions {
  kind: string;
  skipInvalid?: boolean;
  json?: boolean;
  config?: string;
}

/** `ops ledger import`: loads power readings, probes or usage from NDJSON/CSV into the ledger. */
export const registerLedgerCommands: RegisterCommand = (program: Command, getContext) => {
  const ledger = program
    .command('ledger')
    .description('the ledger of power, probes and usage ($OPS_HOME/ledger.sqlite)');
  ledger
    .command('import')
    .description(
      'import readings from NDJSON or CSV (another collector, a smart plug, a migration); duplicates are skipped',
    )
    .argument('<file>', 'NDJSON (.ndjson/.jsonl) or CSV (.csv, header row) file')
    .requiredOption('--kind <power|probe|usage>', 'what the file holds')
    .option('--skip-invalid', 'import the valid records and skip invalid ones (default: refuse the file)')
    .option('--config <file>', 'config for the rollup settings (default: $OPS_HOME/config.yaml)')
    .option('--json', 'print the summary as JSON')
    .action((file: string, options: ImportOptions) => {
      const context = getContext();
      if (!(IMPORT_KINDS as readonly string[]).includes(options.kind)) {
        throw new OpsError(`unknown --kind "${options.kind}"`, {
          exitCode: 2,
          hint: `use one of: ${IMPORT_KINDS.join(', ')}`,
        });
      }
      const config = loadOpsConfig(options.config ?? configPath(context.state));
      const db = Ledger.open(ledgerPath(context.state));
      try {
        const summary = importFile(db, options.kind as ImportKind, file, {
          skipInvalid: options.skipInvalid ?? false,
        });
        let rolledUpDays = 0;
        if (
          summary.inserted > 0 &&
          summary.fromMs !== null &&
          summary.toMs !== null &&
          options.kind !== 'usage'
        ) {
          // New raw rows change the days they fall in (and the next, for gaps across midnight).
          rolledUpDays = updateRollups(
            db,
            summary.fromMs,
            summary.toMs + 86_400_000,
            Date.now(),
            {
              probeIntervalS: config.agent.probeIntervalS,
              maxGapS: config.energy.maxGapS,
              maxCounterGapS: config.energy.maxCounterGapS,
            },
            { force: true },
          ).length;
        }
        context.output(
          `imported ${summary.inserted} of ${summary.records} ${summary.kind} records from ${file} (${summary.format}); ${summary.duplicates} already in the ledger, ${summary.skipped} invalid skipped; ${rolledUpDays} day(s) rolled up`,
          { ...summary, file, rolledUpDays },
          options.json ?? false,
        );
      } finally {
        db.close();
      }
    });
};
