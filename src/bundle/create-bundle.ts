import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { create as createTar } from 'tar';
import { formatBytes as fmt } from '../core/console-reporter.js';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { defaultAgentTag } from '../images/agent-image.js';
import { findDebianMirror, readAptSources } from '../images/apt-mirror.js';
import { defaultGatewayTag } from '../images/gateway-image.js';
import type { ImageArchive } from '../images/image-archive.js';
import { debianArch } from '../images/image-recipe.js';
import { readPlan } from '../plan/load-plan.js';
import type { DistroKey } from '../setup/distro.js';
import { nvidiaRepoName } from '../setup/distro.js';
import { exportBundle } from '../store/bundle-export.js';
import { ensureFreeSpace } from '../store/disk-space.js';
import { readManifest } from '../store/manifest.js';
import { StoreModelLocator } from '../store/model-locator.js';
import { storeLayout } from '../store/store-layout.js';
import {
  downloadClosure,
  privateApt,
  resolveClosure,
  updateLists,
  writePackagesIndex,
} from './apt-repository.js';
import { bundleContents, imagePartName } from './bundle-contents.js';
import { BOX_MANIFEST, BOX_SUMS, type BoxManifest, type BundlePart, boxSumsText } from './bundle-manifest.js';
import { OPS_ROOT, packOps, realNodeModules, runtimePackages } from './ops-payload.js';
import { StagedParts } from './staged-parts.js';
import { targetSources, wantedPackages } from './target-packages.js';

export interface CreateBundleOptions {
  planFile: string;
  distro: DistroKey;
  out: string;
  /** .deb files the user fetched where this machine cannot reach (NVIDIA's repositories). */
  packagesDir?: string;
  include: { images: boolean; packages: boolean; ops: boolean };
  state: StateDir;
  /** The daemon's images, saved into the bundle. */
  images: ImageArchive;
  bus: EventBus;
  /** Only measure and say what would go in. */
  estimateOnly?: boolean;
}

export interface BundleEstimate {
  bytes: { images: number; models: number; packages: number; ops: number; total: number };
  missing: BoxManifest['missing'];
}

export interface CreateBundleResult extends BundleEstimate {
  out?: string;
  outBytes?: number;
  parts: number;
  resumed: number;
}

function treeBytes(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}

function debsIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.deb'));
}

/**
 * `ops bundle create`: everything a Plan needs on a machine with no network, in one file. Measures first (and
 * refuses when the disk cannot hold it), then makes the parts one by one in `<out>.parts/` (a re-run resumes),
 * then writes the manifest with every part's sha256 and packs the tar, which appears under its name only when whole.
 */
export async function createBundle(o: CreateBundleOptions): Promise<CreateBundleResult> {
  const { bus } = o;
  const planFile = resolve(o.planFile);
  const planText = readFileSync(planFile, 'utf8');
  // Read, not checked against this machine: the Plan is for the target (GPUs, ports and all).
  const { plan } = readPlan(planFile);
  const layout = storeLayout(o.state);
  const blobsDir = existsSync(layout.blobsDir) ? realpathSync(layout.blobsDir) : layout.blobsDir;
  const locator = new StoreModelLocator(o.state);
  const contents = bundleContents(plan, {
    blobsDir,
    gatewayImage: defaultGatewayTag(),
    agentImage: defaultAgentTag(),
    locate: (model) => locator.locate(model, dirname(planFile)),
    realPath: (p) => (existsSync(p) ? realpathSync(p) : p),
  });
  if (contents.notInStore.length > 0) {
    throw new OpsError(
      `the bundle carries models from the store, and these engines' models are not in it: ${contents.notInStore
        .map((m) => `${m.engine} (${m.model}: ${m.reason})`)
        .join('; ')}`,
      {
        exitCode: 2,
        hint: 'add them with `ops models pull` or `ops models import`, and point the Plan at the stored file (`ops models list` shows paths)',
      },
    );
  }
  const missing: BoxManifest['missing'] = [];

  // Measure.
  const images: { ref: string; bytes: number; why: string }[] = [];
  if (o.include.images) {
    for (const image of contents.images) {
      const bytes = await o.images.sizeBytes(image.ref);
      if (bytes !== undefined) images.push({ ref: image.ref, bytes, why: image.why });
      else
        missing.push({
          what: `image ${image.ref} (${image.why})`,
          why: `not present here${image.required ? '' : ' (optional: the stack runs without it)'}: pull or build it, then run again`,
        });
    }
  }
  const { entries } = await readManifest(layout);
  const modelShas = [...new Set(contents.models.flatMap((m) => m.blobs))];
  const modelBytes = modelShas.reduce(
    (sum, sha) => sum + (entries.find((e) => e.sha256 === sha)?.bytes ?? 0),
    0,
  );
  const wanted = wantedPackages({ gpus: contents.gpus });
  const staged = new StagedParts(`${resolve(o.out)}.parts`);
  let packageBytes = 0;
  let apt: ReturnType<typeof privateApt> | undefined;
  const given = o.packagesDir ? debsIn(o.packagesDir) : [];
  const givenNames = new Set(given.map((f) => f.split('_')[0]!));
  if (o.include.packages) {
    const sources = targetSources(o.distro, readAptSources(), tryDebianMirror());
    if (sources) {
      apt = privateApt(join(staged.dir, '.apt'), sources, { emptyStatus: true, arch: debianArch() });
      await updateLists(apt, bus);
      const closure = await resolveClosure(apt, wanted.fromDistro);
      packageBytes += closure.reduce((s, p) => s + p.bytes, 0);
    } else {
      for (const name of wanted.fromDistro.filter((n) => !givenNames.has(n)))
        missing.push({
          what: `package ${name} for ${o.distro} with its dependencies`,
          why: `this machine's apt sources do not serve ${o.distro}: fetch them on a machine that has them (apt-get download) and pass --packages-dir`,
        });
    }
    for (const name of wanted.fromNvidia.filter((n) => !givenNames.has(n)))
      missing.push({
        what: `package ${name} for ${o.distro}`,
        why: `NVIDIA's repository (${nvidiaRepoName(o.distro)}) cannot be reached from here: download it with its dependencies where it can, and pass --packages-dir`,
      });
  }
  // Packages the user fetched go in even with --no-packages (which leaves out only what this machine would fetch).
  packageBytes += given.reduce((s, f) => s + statSync(join(o.packagesDir!, f)).size, 0);
  const runtime = o.include.ops ? runtimePackages() : { dirs: [], absent: [] };
  const opsPackages = runtime.dirs;
  for (const name of runtime.absent)
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `ops's dependency ${name} is not installed here; the bundle goes without it`,
    });
  const opsBytes = o.include.ops
    ? opsPackages.reduce((s, p) => s + treeBytes(join(realNodeModules(), '..', p)), 0) +
      statSync(process.execPath).size
    : 0;
  const imageBytes = images.reduce((s, i) => s + i.bytes, 0);
  const total = imageBytes + modelBytes + packageBytes + opsBytes;
  const estimate: BundleEstimate = {
    bytes: { images: imageBytes, models: modelBytes, packages: packageBytes, ops: opsBytes, total },
    missing,
  };
  bus.emit({
    kind: 'log',
    level: 'info',
    message: `bundle for ${plan.deployment} on ${o.distro}: about ${fmt(total)} (images ${fmt(imageBytes)}, models ${fmt(modelBytes)}, packages ${fmt(packageBytes)}, ops ${fmt(opsBytes)})`,
  });
  for (const m of missing) bus.emit({ kind: 'log', level: 'warn', message: `missing: ${m.what}: ${m.why}` });
  if (o.estimateOnly) return { ...estimate, parts: 0, resumed: 0 };
  // The parts, then the tar of them: twice the size, at worst, on the output's filesystem.
  await mkdir(dirname(resolve(o.out)), { recursive: true });
  await ensureFreeSpace(dirname(resolve(o.out)), total * 2);

  const parts: BundlePart[] = [];
  let resumed = 0;
  const step = async (
    path: string,
    kind: BundlePart['kind'],
    what: string,
    write: (file: string) => Promise<void>,
  ) => {
    const done = staged.made(path);
    if (done) {
      resumed++;
      bus.emit({ kind: 'step:skip', step: `bundle ${path}`, reason: 'made in an earlier run' });
      parts.push(done);
      return;
    }
    const started = Date.now();
    bus.emit({ kind: 'step:start', step: `bundle ${path}`, detail: what });
    const part = await staged.make(path, kind, what, write);
    bus.emit({
      kind: 'step:done',
      step: `bundle ${path}`,
      detail: fmt(part.bytes),
      durationMs: Date.now() - started,
    });
    parts.push(part);
    bus.emit({ kind: 'progress', step: 'bundle', done: parts.length, unit: 'items' });
  };

  await step('parts/plan.yaml', 'plan', plan.deployment, (f) => writeFile(f, planText));
  for (const image of images) {
    await step(`parts/images/${imagePartName(image.ref)}`, 'image', image.ref, (f) =>
      o.images.save(image.ref, f),
    );
  }
  if (modelShas.length > 0) {
    await step('parts/models.tar', 'models', contents.models.map((m) => m.engine).join(', '), async (f) => {
      await exportBundle(layout, modelShas, f);
    });
  }
  await step('parts/catalog.tar', 'catalog', 'model catalog', (f) =>
    createTar({ file: f, cwd: OPS_ROOT, portable: true }, ['catalog']),
  );
  if (apt || given.length > 0) {
    const repo = join(staged.dir, 'parts', 'apt');
    const index = 'parts/apt/Packages';
    if (staged.made(index)) {
      // The index is written last: with it made, every .deb before it was too.
      for (const f of debsIn(repo)) parts.push(staged.made(`parts/apt/${f}`)!);
      await step(index, 'apt-index', 'repository index', async () => undefined);
    } else {
      const started = Date.now();
      bus.emit({ kind: 'step:start', step: 'bundle parts/apt', detail: `packages for ${o.distro}` });
      await mkdir(repo, { recursive: true });
      if (apt) await downloadClosure(apt, wanted.fromDistro, repo, bus);
      for (const f of given) await copyFile(join(o.packagesDir!, f), join(repo, f));
      for (const f of debsIn(repo)) parts.push(await staged.adopt(`parts/apt/${f}`, 'deb', f.split('_')[0]!));
      bus.emit({ kind: 'step:done', step: 'bundle parts/apt', durationMs: Date.now() - started });
      const text = await writePackagesIndex(repo);
      await step(index, 'apt-index', 'repository index', (f) => writeFile(f, text));
    }
  }
  if (o.include.ops) {
    await step('parts/ops/ops.tgz', 'ops', 'ops (npm pack)', async (f) => {
      const dir = `${f}.d`;
      await mkdir(dir, { recursive: true });
      const name = await packOps(dir);
      renameSync(join(dir, name), f);
      rmSync(dir, { recursive: true, force: true });
    });
    await step('parts/ops/node_modules.tar', 'node-modules', `${opsPackages.length} packages`, (f) =>
      createTar({ file: f, cwd: dirname(realNodeModules()), portable: true }, opsPackages),
    );
    await step('parts/ops/node', 'node', `node ${process.version}`, (f) => copyFile(process.execPath, f));
    // What starts the install where no ops is installed yet (it checks ops's parts, then runs ops bundle install).
    await step('parts/install.sh', 'installer', 'install.sh', (f) =>
      copyFile(join(OPS_ROOT, 'scripts', 'bundle', 'install.sh'), f),
    );
  }

  const manifest: BoxManifest = {
    format: 'ops-box-bundle',
    version: 1,
    createdAt: new Date().toISOString(),
    distro: o.distro,
    arch: debianArch(),
    deployment: plan.deployment,
    models: contents.repoint,
    packages:
      apt || given.length > 0
        ? [...wanted.fromDistro, ...wanted.fromNvidia.filter((n) => givenNames.has(n))]
        : [],
    missing,
    parts,
  };
  await writeFile(join(staged.dir, BOX_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(staged.dir, BOX_SUMS), boxSumsText(manifest));
  const out = resolve(o.out);
  const partial = `${out}.partial`;
  bus.emit({ kind: 'step:start', step: 'bundle pack', detail: out });
  const packStarted = Date.now();
  // Manifest first: a truncated bundle still says what it should have held.
  await createTar({ file: partial, cwd: staged.dir, portable: true }, [
    BOX_MANIFEST,
    BOX_SUMS,
    ...parts.map((p) => p.path),
  ]);
  renameSync(partial, out);
  bus.emit({ kind: 'step:done', step: 'bundle pack', durationMs: Date.now() - packStarted });
  rmSync(staged.dir, { recursive: true, force: true });
  return { ...estimate, out, outBytes: statSync(out).size, parts: parts.length, resumed };
}

function tryDebianMirror(): string | undefined {
  try {
    return findDebianMirror().uri;
  } catch {
    return undefined;
  }
}
