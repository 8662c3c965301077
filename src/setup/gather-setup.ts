import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { detectInventory } from '../detect/detect-inventory.js';
import { formatInventorySummary } from '../detect/format-inventory.js';
import { inventoryFromNvidiaSmiXml } from '../detect/inventory-from-file.js';
import type { GpuInfo, Inventory } from '../detect/types.js';
import { classify } from '../profiles/classify.js';
import { loadProfiles } from '../profiles/load-profiles.js';
import { defaultProfilesDir } from '../profiles/profiles-dir.js';
import type { Classification, Profile } from '../profiles/types.js';
import type { HostDistro } from './distro.js';
import { bareHostFacts, type FactGpu, type HostFacts, readHostFactsFile } from './host-facts.js';
import { probeHost } from './probe-host.js';
import { localShell } from './shell.js';

/** Which machine setup is about: this one, or another described by files (only for `--dry-run`). */
export interface MachineSource {
  nvidiaSmiXml?: string;
  distro?: HostDistro;
  hostFactsFile?: string;
}

export interface Machine {
  /** True when the facts describe another box (nothing may be applied). */
  remote: boolean;
  inventory: Inventory;
  facts: HostFacts;
  profile: Profile;
  classification: Classification;
  /** What `ops detect` would print, then the profile. */
  summary: string;
}

/** Detects the machine (or reads the description of another one), its host facts and its hardware profile. */
export async function gatherMachine(source: MachineSource, bus: EventBus): Promise<Machine> {
  const remote = Boolean(source.nvidiaSmiXml || source.distro || source.hostFactsFile);
  bus.emit({
    kind: 'setup:stage',
    stage: 'detect',
    phase: 'start',
    detail: remote ? 'another machine' : 'this machine',
  });
  const inventory = source.nvidiaSmiXml
    ? await inventoryFromNvidiaSmiXml(source.nvidiaSmiXml)
    : remote
      ? emptyInventory('described by flags')
      : await detectInventory();
  let facts: HostFacts;
  if (source.hostFactsFile) facts = readHostFactsFile(source.hostFactsFile);
  else if (remote) {
    if (!source.distro) {
      throw new OpsError('describing another machine needs its distribution', {
        hint: 'add --distro ubuntu-24.04 (or ubuntu-22.04, debian-12, debian-13), or --host-facts FILE',
        exitCode: 2,
      });
    }
    // Nothing is known about its software: plan as for a fresh install of the distro.
    facts = bareHostFacts(source.distro);
  } else facts = await probeHost(localShell({ asRoot: false }));
  if (source.distro) facts = { ...facts, distro: source.distro };
  // The cards of an nvidia-smi file are on that box's PCI bus, and nvidia-smi answered there: its driver and CUDA
  // version are that box's, unless a facts file (a later probe of the box) says otherwise.
  if (source.nvidiaSmiXml) facts = withCapture(facts, inventory, !source.hostFactsFile);
  // The driverless case: nvidia-smi names no GPU, the PCI bus (through the inventory) does.
  if (facts.gpus.length === 0 && inventory.gpus.length > 0)
    facts = { ...facts, gpus: inventory.gpus.map(factGpu) };
  const profiles = loadProfiles(defaultProfilesDir());
  const classification = classify(inventory, profiles);
  const profile = profiles.find((p) => p.id === classification.id) ?? profiles[0];
  if (!profile) throw new Error('no hardware profile loaded');
  const summary = [
    formatInventorySummary(inventory, { ...classification, title: profile.title }),
    `Distribution: ${facts.distro.pretty}${facts.distro.key ? '' : ' (not supported for provisioning: steps are shown as by-hand instructions)'}`,
  ].join('\n');
  return { remote, inventory, facts, profile, classification, summary };
}

function factGpu(g: GpuInfo): FactGpu {
  return {
    index: g.index,
    name: g.name,
    ...(g.computeCapability ? { computeCapability: g.computeCapability } : {}),
  };
}

function withCapture(facts: HostFacts, inventory: Inventory, driverFromCapture: boolean): HostFacts {
  const withDriver = inventory.gpus.filter((g) => g.driverVersion);
  const first = withDriver[0];
  const merged = {
    ...facts,
    pciGpus: Math.max(facts.pciGpus, inventory.gpus.length),
    gpus: inventory.gpus.map(factGpu),
  };
  if (!driverFromCapture || !first?.driverVersion) return merged;
  return {
    ...merged,
    driverVersion: first.driverVersion,
    driverCuda: first.cudaVersion,
    smiGpus: withDriver.length,
    nvidiaModule: true,
  };
}

function emptyInventory(source: string): Inventory {
  return {
    source,
    gpus: [],
    gpuDetection: { strategy: null, tried: [] },
    cpu: null,
    memory: null,
    disks: [],
    os: null,
    docker: null,
  };
}
