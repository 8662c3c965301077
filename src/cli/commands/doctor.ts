import type { Command } from 'commander';
import { OpsError } from '../../core/errors.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import { defaultAnswers, loadSavedAnswers, mergeAnswers } from '../../setup/answers.js';
import { runDoctorChecks } from '../../setup/doctor-check-list.js';
import type { DoctorCheck } from '../../setup/doctor-checks.js';
import { probeHost } from '../../setup/probe-host.js';
import { provisionOptions } from '../../setup/provision-options.js';
import { setupFiles } from '../../setup/setup-progress.js';
import { localShell } from '../../setup/shell.js';
import type { RegisterCommand } from './index.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** `ops doctor`: every check of the host and the running stack, with the fix for each that is not ok. */
export const registerDoctorCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('doctor')
    .description(
      "check driver (flavour, pin and hold, Secure Boot, module), engine images against the driver's CUDA, toolkit (security fixes), Docker, GPU in containers, disk, ports, engines, gateway, clock, ledger; print the fix for each problem",
    )
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = getContext();
      const shell = localShell({ asRoot: false });
      const facts = await probeHost(shell);
      const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'cpu-only');
      if (!profile) throw new Error('no cpu-only profile');
      // The gateway address and the driver choices (pin, flavour) come from the saved answers; defaults otherwise.
      const answers = mergeAnswers(defaultAnswers(profile), loadSavedAnswers(setupFiles(ctx.state).answers));
      const runtime = facts.dockerServer ? await connectRuntime() : undefined;
      const checks = await runDoctorChecks({
        state: ctx.state,
        shell,
        facts,
        options: provisionOptions(answers, facts.gpus),
        ...(runtime ? { runtime } : {}),
      });
      const failed = checks.filter((c) => c.status === 'fail');
      const width = Math.max(...checks.map((c) => c.id.length));
      const human = checks
        .flatMap((c) => [
          `${MARK[c.status]} ${c.id.padEnd(width)}  ${c.detail}`,
          ...(c.fix && c.status !== 'ok' && c.status !== 'skip'
            ? [`  ${' '.repeat(width)}  fix: ${c.fix}`]
            : []),
        ])
        .join('\n');
      ctx.output(
        `${human}\n\n${failed.length ? `${failed.length} problem(s)` : 'all good'}`,
        { ok: failed.length === 0, checks },
        opts.json ?? false,
      );
      if (failed.length)
        throw new OpsError(
          `ops doctor found ${failed.length} problem(s): ${failed.map((c) => c.id).join(', ')}`,
          { exitCode: 1 },
        );
    });
};
