import { Command } from 'commander';
import { createBundle } from '../../bundle/create-bundle.js';
import { INSTALL_STEPS, type InstallStep, installBundle } from '../../bundle/install-bundle.js';
import { formatBytes } from '../../core/console-reporter.js';
import { OpsError } from '../../core/errors.js';
import { dockerImageArchive } from '../../images/image-archive.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import { connectDocker } from '../../runtime/docker-connection.js';
import { type DistroKey, SUPPORTED_DISTROS } from '../../setup/distro.js';
import type { RegisterCommand } from './index.js';

function distroOf(value: string): DistroKey {
  if ((SUPPORTED_DISTROS as readonly string[]).includes(value)) return value as DistroKey;
  throw new OpsError(
    `--distro must be one of ${SUPPORTED_DISTROS.join(', ')}, got ${JSON.stringify(value)}`,
    {
      exitCode: 2,
    },
  );
}

function stepsOf(values: string[]): Partial<Record<InstallStep, boolean>> {
  const out: Partial<Record<InstallStep, boolean>> = {};
  for (const v of values.flatMap((x) => x.split(','))) {
    if (!(INSTALL_STEPS as readonly string[]).includes(v))
      throw new OpsError(`--skip takes ${INSTALL_STEPS.join(', ')}, got ${JSON.stringify(v)}`, {
        exitCode: 2,
      });
    out[v as InstallStep] = true;
  }
  return out;
}

/** `ops bundle create|install`: the whole box in one file, for machines with no route to the internet. */
export const registerBundleCommands: RegisterCommand = (program, getContext) => {
  const bundle = program
    .command('bundle')
    .description(
      'carry the whole box (images, models, packages, ops) to a machine with no network in one file',
    );
  bundle.addCommand(
    new Command('create')
      .description(
        "on a connected machine: write the images, the Plan's models, the catalog, Docker's .deb packages for the target (a local repository with its index) and ops itself into one file, with the sha256 of every part; measures first, resumes when run again",
      )
      .requiredOption('--plan <file>', 'the Plan the target machine will run')
      .requiredOption('--distro <distro>', `the target's distribution: ${SUPPORTED_DISTROS.join(', ')}`)
      .requiredOption('--out <file>', 'the bundle to write (e.g. box.ops-bundle)')
      .option(
        '--packages-dir <dir>',
        ".deb files fetched by hand for what this machine cannot reach (NVIDIA's repositories)",
      )
      .option('--no-images', 'leave the container images out')
      .option(
        '--no-packages',
        "leave out the .deb packages this machine would fetch (the target has Docker already); --packages-dir's still go in",
      )
      .option('--no-ops', 'leave ops itself out')
      .option('--estimate', 'only measure and list what is missing; write nothing')
      .option('--json', 'print the result as JSON')
      .action(
        async (o: {
          plan: string;
          distro: string;
          out: string;
          packagesDir?: string;
          images: boolean;
          packages: boolean;
          ops: boolean;
          estimate?: boolean;
          json?: boolean;
        }) => {
          const ctx = getContext();
          const r = await createBundle({
            planFile: o.plan,
            distro: distroOf(o.distro),
            out: o.out,
            ...(o.packagesDir ? { packagesDir: o.packagesDir } : {}),
            include: { images: o.images, packages: o.packages, ops: o.ops },
            state: ctx.state,
            images: dockerImageArchive(await connectDocker()),
            bus: ctx.bus,
            estimateOnly: o.estimate ?? false,
          });
          const missing = r.missing.map((m) => `  missing: ${m.what}\n    ${m.why}`).join('\n');
          const head = r.out
            ? `wrote ${r.out}: ${r.parts} parts${r.resumed ? ` (${r.resumed} from an earlier run)` : ''}, ${formatBytes(r.outBytes ?? 0)}`
            : `estimate: ${formatBytes(r.bytes.total)} (images ${formatBytes(r.bytes.images)}, models ${formatBytes(r.bytes.models)}, packages ${formatBytes(r.bytes.packages)}, ops ${formatBytes(r.bytes.ops)})`;
          ctx.output(
            `${head}${missing ? `\n${missing}\n  fetch these where they can be reached and run again with --packages-dir DIR` : ''}`,
            r,
            o.json ?? false,
          );
        },
      ),
  );
  bundle.addCommand(
    new Command('install')
      .description(
        "on the target: verify every part, then install Docker from the bundle's own repository, load the images, import the models, install ops and bring the Plan up; never uses the network; resumes when run again",
      )
      .argument('<bundle>', 'the file `ops bundle create` wrote')
      .option('--prefix <dir>', 'where ops itself is installed', '/opt/ops')
      .option('--bin-dir <dir>', 'directory on PATH that gets an `ops` link', '/usr/local/bin')
      .option('--skip <steps...>', `steps to leave out: ${INSTALL_STEPS.join(', ')}`, [])
      .option('--json', 'print the result as JSON')
      .action(async (file: string, o: { prefix: string; binDir: string; skip: string[]; json?: boolean }) => {
        const ctx = getContext();
        const r = await installBundle({
          bundle: file,
          state: ctx.state,
          // Asked for only when images are loaded or the Plan brought up: the packages step may install Docker.
          containers: async () => {
            const images = dockerImageArchive(await connectDocker());
            return { images, runtime: await connectRuntime() };
          },
          bus: ctx.bus,
          prefix: o.prefix,
          binDir: o.binDir,
          skip: stepsOf(o.skip),
        });
        const gateway = r.up?.up ? ' — the Plan is up' : '';
        ctx.output(
          `installed ${r.manifest.deployment} from ${file}: ${r.done.join(', ') || 'nothing new'}${r.skipped.length ? ` (skipped: ${r.skipped.join(', ')})` : ''}${gateway}`,
          { deployment: r.manifest.deployment, done: r.done, skipped: r.skipped, planFile: r.planFile },
          o.json ?? false,
        );
      }),
  );
};
