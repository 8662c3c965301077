import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { localRepositorySource, privateApt, updateLists } from '../bundle/apt-repository.js';
import type { BoxManifest, BundlePart } from '../bundle/bundle-manifest.js';
import { planForTarget } from '../bundle/install-bundle.js';
import { unpackAndVerify, type VerifiedBundle, workDirFor } from '../bundle/unpack-bundle.js';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { blobPath, storeLayout } from '../store/store-layout.js';
import type { PartialAnswers } from './answers.js';
import type { BundleApt } from './apt-commands.js';

/**
 * `ops setup --bundle FILE`: setup's inputs taken from a verified box bundle instead of the network — the bundle's
 * private apt repository for provisioning, its images instead of builds, its models instead of hub pulls, and its
 * Plan instead of the planner's.
 */
export interface SetupBundle {
  file: string;
  verified: VerifiedBundle;
  /** apt configured for the bundle's repository alone; undefined when the bundle carries no packages. */
  apt?: BundleApt;
  /** The bundle's Plan with each model pointed at this machine's store (planForTarget). */
  planText: string;
  document: BundlePlanDocument;
}

/** The parts of a Plan document setup reads. */
export interface BundlePlanDocument {
  deployment: string;
  engines: { name: string; engine: string; model?: string; image?: string }[];
  gateway?: { port?: number; host?: string; aliases?: Record<string, string> };
  [key: string]: unknown;
}

/**
 * Verifies every part of the bundle (before anything is used or changed), then readies apt's private configuration
 * for its repository (the lists come from the bundle's own index, a file: source read locally).
 */
export async function openSetupBundle(file: string, state: StateDir, bus: EventBus): Promise<SetupBundle> {
  const workDir = workDirFor(state.root, file);
  const verified = await unpackAndVerify(file, workDir, bus);
  const { manifest } = verified;
  const planPart = manifest.parts.find((p) => p.kind === 'plan');
  if (!planPart)
    throw new OpsError(`${file} carries no Plan`, {
      exitCode: 5,
      hint: 'make the bundle with `ops bundle create --plan FILE`',
    });
  const planText = planForTarget(
    readFileSync(verified.partPath(planPart.path), 'utf8'),
    manifest.models,
    (sha) => blobPath(storeLayout(state), sha),
  );
  let apt: BundleApt | undefined;
  if (manifest.parts.some((p) => p.kind === 'apt-index')) {
    const repo = verified.partPath('parts/apt');
    const configured = privateApt(join(workDir, 'apt-state'), localRepositorySource(repo), {
      emptyStatus: false,
    });
    await updateLists(configured, bus);
    apt = { repo, options: configured.options };
  }
  return {
    file,
    verified,
    ...(apt ? { apt } : {}),
    planText,
    document: parse(planText) as BundlePlanDocument,
  };
}

/**
 * The answers a bundle settles (pure): the deployment and the gateway's address are the bundle's Plan's, since that
 * Plan is what runs; the bundle's path is kept so a re-run (even without --bundle) goes on from the same bundle.
 */
export function answersFromBundle(file: string, document: BundlePlanDocument): PartialAnswers {
  return {
    deployment: document.deployment,
    ...(document.gateway?.port ? { gatewayPort: document.gateway.port } : {}),
    ...(document.gateway?.host ? { gatewayHost: document.gateway.host } : {}),
    offline: { bundle: file },
  };
}

/** What the images stage does with one image part. */
export interface ImageLoadDecision {
  part: Pick<BundlePart, 'path' | 'what' | 'sha256'>;
  action: 'load' | 'keep';
  reason: string;
}

/**
 * Which of the bundle's images to `docker load` (pure): every one, except an image that is present and was loaded
 * from this very part (same sha256) by an earlier run; a present image of the same name loaded from elsewhere is
 * loaded again, since only the part's bytes vouch for what it is.
 */
export function imagesToLoad(
  parts: readonly BundlePart[],
  present: ReadonlySet<string>,
  loadedBefore: readonly string[],
): ImageLoadDecision[] {
  return parts
    .filter((p) => p.kind === 'image')
    .map((part) =>
      present.has(part.what) && loadedBefore.includes(part.sha256)
        ? { part, action: 'keep' as const, reason: 'loaded from this bundle in an earlier run' }
        : {
            part,
            action: 'load' as const,
            reason: present.has(part.what) ? 'present, but not loaded from this bundle' : 'not present',
          },
    );
}

/**
 * Why this bundle cannot set this machine up (pure), or undefined when it can: its packages were resolved for one
 * release and architecture, and images are per architecture.
 */
export function bundleMismatch(
  manifest: Pick<BoxManifest, 'distro' | 'arch' | 'parts'>,
  machine: { distro: string | null; arch: string },
): string | undefined {
  if (manifest.arch !== machine.arch)
    return `the bundle was made for ${manifest.arch}, this machine is ${machine.arch}`;
  const hasPackages = manifest.parts.some((p) => p.kind === 'deb');
  if (hasPackages && machine.distro !== manifest.distro)
    return `the bundle's packages are for ${manifest.distro}, this machine is ${machine.distro ?? 'an unsupported distribution'}`;
  return undefined;
}

/** The lines setup prints for the bundle's Plan, in place of the planner's table. */
export function describeBundlePlan(
  bundle: Pick<SetupBundle, 'file' | 'document'>,
  manifest: BoxManifest,
): string {
  const engines = bundle.document.engines.map(
    (e) => `  ${e.name.padEnd(20)} ${e.engine.padEnd(10)} ${e.model ?? ''}`,
  );
  const images = manifest.parts.filter((p) => p.kind === 'image').map((p) => p.what);
  const debs = manifest.parts.filter((p) => p.kind === 'deb').length;
  return [
    `Plan from ${bundle.file} (made ${manifest.createdAt} for ${manifest.distro}/${manifest.arch}): deployment ${bundle.document.deployment}`,
    ...engines,
    `  carries: ${images.length} image(s)${images.length ? ` (${images.join(', ')})` : ''}, ${manifest.models.length} model(s), ${debs} package(s)`,
    ...manifest.missing.map((m) => `  lacks: ${m.what}: ${m.why}`),
  ].join('\n');
}
