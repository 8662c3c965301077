import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar';
import { parse, stringify } from 'yaml';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import type { ImageArchive } from '../images/image-archive.js';
import { type BringUpResult, bringUp } from '../runtime/bring-up.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { loadPlanForHost } from '../runtime/load-plan-for-host.js';
import { importBundle } from '../store/bundle-import.js';
import { blobPath, storeLayout } from '../store/store-layout.js';
import { installFromRepository, localRepositorySource, privateApt } from './apt-repository.js';
import type { BoxManifest } from './bundle-manifest.js';
import { unpackAndVerify, workDirFor } from './unpack-bundle.js';

export const INSTALL_STEPS = ['packages', 'images', 'models', 'ops', 'up'] as const;
export type InstallStep = (typeof INSTALL_STEPS)[number];

export interface InstallBundleOptions {
  bundle: string;
  state: StateDir;
  /**
   * The container runtime, asked for when the images step or the Plan needs it: on a fresh target it is the
   * packages step that installs Docker.
   */
  containers: () => Promise<{ images: ImageArchive; runtime: ContainerRuntime }>;
  bus: EventBus;
  /** Where ops itself goes (`<prefix>/lib` and `<prefix>/bin/ops`); default /opt/ops. */
  prefix: string;
  /** A directory on PATH that gets an `ops` link; none when undefined. */
  binDir?: string;
  skip: Partial<Record<InstallStep, boolean>>;
}

export interface InstallBundleResult {
  manifest: BoxManifest;
  done: InstallStep[];
  skipped: InstallStep[];
  up?: BringUpResult;
  planFile?: string;
}

/** The Plan as the target needs it (pure): each engine's model is the same blob in this machine's store. */
export function planForTarget(
  planText: string,
  models: BoxManifest['models'],
  blobFile: (sha: string) => string,
): string {
  const doc = parse(planText) as { engines?: { name?: string; model?: string }[] };
  for (const engine of doc.engines ?? []) {
    const m = models.find((x) => x.engine === engine.name);
    if (m) engine.model = blobFile(m.sha256);
  }
  return `# Installed from an ops bundle: model paths point at this machine's store.\n${stringify(doc)}`;
}

/**
 * `ops bundle install`: verifies every part first (unpackAndVerify), then installs Docker's packages from the
 * bundle's own repository (used for that apt run only), loads the images, imports the models into the store,
 * installs ops, and brings the Plan up. Each step is recorded when done, so a re-run resumes after the last one.
 * Nothing reaches for the network: apt sees only the bundle's file: repository, images come from their tars.
 */
export async function installBundle(o: InstallBundleOptions): Promise<InstallBundleResult> {
  const { bus } = o;
  const workDir = workDirFor(o.state.root, o.bundle);
  const bundle = await unpackAndVerify(o.bundle, workDir, bus);
  const { manifest } = bundle;
  const stepsFile = join(workDir, 'steps.json');
  const done = new Set<InstallStep>(existsSync(stepsFile) ? JSON.parse(readFileSync(stepsFile, 'utf8')) : []);
  const result: InstallBundleResult = { manifest, done: [], skipped: [] };
  for (const m of manifest.missing)
    bus.emit({ kind: 'log', level: 'warn', message: `the bundle lacks ${m.what}: ${m.why}` });
  const parts = (kind: BoxManifest['parts'][number]['kind']) => manifest.parts.filter((p) => p.kind === kind);

  const run = async (step: InstallStep, action: () => Promise<void>) => {
    if (o.skip[step]) {
      result.skipped.push(step);
      bus.emit({ kind: 'step:skip', step: `install ${step}`, reason: 'skipped on request' });
      return;
    }
    if (done.has(step)) {
      result.skipped.push(step);
      bus.emit({ kind: 'step:skip', step: `install ${step}`, reason: 'done in an earlier run' });
      return;
    }
    const started = Date.now();
    bus.emit({ kind: 'step:start', step: `install ${step}` });
    await action();
    done.add(step);
    writeFileSync(stepsFile, JSON.stringify([...done]));
    result.done.push(step);
    bus.emit({ kind: 'step:done', step: `install ${step}`, durationMs: Date.now() - started });
  };

  await run('packages', async () => {
    if (manifest.packages.length === 0) return;
    if (process.getuid?.() !== 0)
      throw new OpsError('installing packages needs root', {
        exitCode: 2,
        hint: 'run `sudo ops bundle install …` (or --skip packages)',
      });
    const repo = bundle.partPath('parts/apt');
    const apt = privateApt(join(workDir, 'apt-state'), localRepositorySource(repo), { emptyStatus: false });
    await installFromRepository(apt, manifest.packages, bus);
  });
  await run('images', async () => {
    for (const part of parts('image')) {
      bus.emit({ kind: 'log', level: 'info', message: `loading ${part.what}` });
      await (await o.containers()).images.load(bundle.partPath(part.path));
    }
  });
  await run('models', async () => {
    const models = parts('models')[0];
    if (models) await importBundle(storeLayout(o.state), bundle.partPath(models.path));
  });
  await run('ops', async () => {
    const lib = join(o.prefix, 'lib');
    mkdirSync(lib, { recursive: true });
    const tgz = parts('ops')[0];
    if (!tgz) return;
    // npm pack puts everything under package/.
    await extract({ file: bundle.partPath(tgz.path), cwd: lib, strip: 1 });
    for (const p of parts('node-modules')) await extract({ file: bundle.partPath(p.path), cwd: lib });
    const node = parts('node')[0];
    if (node) {
      await copyFile(bundle.partPath(node.path), join(lib, 'node'));
      await chmod(join(lib, 'node'), 0o755);
    }
    mkdirSync(join(o.prefix, 'bin'), { recursive: true });
    const launcher = join(o.prefix, 'bin', 'ops');
    const nodeBin = node ? join(lib, 'node') : 'node';
    writeFileSync(launcher, `#!/bin/sh\nexec ${nodeBin} ${join(lib, 'bin', 'ops.js')} "$@"\n`, {
      mode: 0o755,
    });
    if (o.binDir) {
      mkdirSync(o.binDir, { recursive: true });
      await rm(join(o.binDir, 'ops'), { force: true });
      symlinkSync(launcher, join(o.binDir, 'ops'));
    }
  });
  const planPart = parts('plan')[0];
  const planFile = join(o.state.root, 'bundle-plan.yaml');
  result.planFile = planFile;
  await run('up', async () => {
    if (!planPart) throw new OpsError('the bundle carries no Plan', { exitCode: 5 });
    const layout = storeLayout(o.state);
    writeFileSync(
      planFile,
      planForTarget(readFileSync(bundle.partPath(planPart.path), 'utf8'), manifest.models, (sha) =>
        blobPath(layout, sha),
      ),
    );
    // Checked against this machine now: ports, GPUs, model files.
    const { runtime } = await o.containers();
    const plan = await loadPlanForHost({ state: o.state, bus }, planFile, runtime);
    result.up = await bringUp(plan, { state: o.state, runtime, bus });
  });
  return result;
}
