import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configPath, loadDefaultPrices, loadOpsConfig } from '../../config/load-config.js';
import { OpsError } from '../../core/errors.js';
import { Ledger, ledgerPath } from '../../ledger/ledger.js';
import { ingestUsageSpool } from '../../ledger/spool-ingest.js';
import { acquireWriterLock } from '../../ledger/writer-lock.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import { buildReport } from '../../report/build-report.js';
import { gatherReportInputs } from '../../report/gather-inputs.js';
import { monthOf, parseMonth } from '../../report/month-range.js';
import { renderHtml } from '../../report/render-html.js';
import { renderMarkdown } from '../../report/render-markdown.js';
import { resolveReportSettings } from '../../report/report-settings.js';
import { resolveProfile } from '../../report/resolve-profile.js';
import type { RegisterCommand } from './index.js';

interface ReportOptions {
  month?: string;
  format: string;
  out?: string;
  config?: string;
  profile?: string;
}

const FORMATS = ['md', 'html', 'json'] as const;

/** `ops report`: the monthly report (uptime, energy, tokens, latency, TCO) from the ledger. */
export const registerReportCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('report')
    .description(
      'monthly report from the ledger: uptime and incidents, energy and its cost, tokens, latency, TCO vs cloud',
    )
    .option('--month <YYYY-MM>', 'the month (UTC); default: the current month')
    .option('--format <md|html|json>', 'output format', 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--config <file>', 'tariff/prices/hardware config (default: $OPS_HOME/config.yaml)')
    .option('--profile <id>', 'hardware profile for TCO defaults (default: config `profile`, else detected)')
    .action(async (options: ReportOptions) => {
      const context = getContext();
      if (!(FORMATS as readonly string[]).includes(options.format)) {
        throw new OpsError(`unknown format "${options.format}"`, {
          exitCode: 2,
          hint: `use one of: ${FORMATS.join(', ')}`,
        });
      }
      const nowMs = Date.now();
      const month = options.month ?? monthOf(nowMs);
      parseMonth(month);
      const config = loadOpsConfig(options.config ?? configPath(context.state));
      const profile = await resolveProfile(
        loadProfiles(defaultProfilesDir()),
        options.profile ?? config.profile,
      );
      const settings = resolveReportSettings(config, profile, loadDefaultPrices());
      importSpoolUnlessAgentRuns(context.state.root, ledgerPath(context.state));
      const ledger = Ledger.open(ledgerPath(context.state), { readonly: true });
      let text: string;
      try {
        const report = buildReport(gatherReportInputs(ledger, month, settings, nowMs));
        text =
          options.format === 'json'
            ? `${JSON.stringify(report, null, 2)}\n`
            : options.format === 'html'
              ? renderHtml(report)
              : renderMarkdown(report);
      } finally {
        ledger.close();
      }
      if (options.out) {
        writeFileSync(options.out, text);
        context.bus.emit({
          kind: 'log',
          level: 'info',
          message: `wrote the ${month} report to ${options.out}`,
        });
      } else process.stdout.write(text);
    });
};

/**
 * The report reads the ledger only; the gateways' usage spool reaches it through the agent. When no agent runs
 * (a box used without monitoring), import the spool here, under the same writer lock the agent takes.
 */
function importSpoolUnlessAgentRuns(stateRoot: string, ledgerFile: string): void {
  let release: (() => void) | undefined;
  try {
    release = acquireWriterLock(ledgerFile);
  } catch {
    return; // An agent holds the ledger and imports the spool itself.
  }
  const ledger = Ledger.open(ledgerFile);
  try {
    ingestUsageSpool(ledger, join(stateRoot, 'spool'));
  } finally {
    ledger.close();
    release();
  }
}
