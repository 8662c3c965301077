import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsError } from '../core/errors.js';
import { type HostDistro, hostDistro } from './distro.js';
import type { AptDriverCatalog } from './driver-pin.js';
import { parseSbState, type SecureBootState } from './secure-boot.js';

/** A GPU as nvidia-smi names it (the driver's view; empty when no driver answers). */
export interface FactGpu {
  index: number;
  name: string;
  computeCapability?: string;
}

/**
 * What provisioning decides from: the facts scripts/provision/probe-host.sh prints. Plain data, so the same
 * decisions are made on this machine, inside a test container, or for another box from a saved facts file.
 */
export interface HostFacts {
  distro: HostDistro;
  arch: string;
  root: boolean;
  systemd: boolean;
  /** NVIDIA display controllers on the PCI bus (seen with or without a driver). */
  pciGpus: number;
  /** GPUs nvidia-smi lists (0 when it does not answer). */
  smiGpus: number;
  /** The driver version nvidia-smi reports, or null when it does not answer. */
  driverVersion: string | null;
  /** The CUDA version that driver supports, when a source says it (an nvidia-smi capture); else from the table. */
  driverCuda: string | null;
  /** The nvidia kernel module is loaded (/proc/driver/nvidia/version exists, or nvidia-smi reports a driver). */
  nvidiaModule: boolean;
  nouveauLoaded: boolean;
  rebootRequired: boolean;
  /** Installed driver / toolkit / docker packages as `name=version`. */
  packages: string[];
  cudaToolkit: string | null;
  containerToolkit: string | null;
  devCharRule: boolean;
  /** Prerequisite tools missing (curl, gpg, ca-certificates). */
  missingPrerequisites: string[];
  dockerCli: boolean;
  dockerDaemonBinary: boolean;
  /** The Docker daemon's version, or null when it does not answer. */
  dockerServer: string | null;
  dockerRuntimes: string[];
  dockerCgroupDriver: string | null;
  /** e.g. `ufw active`, `firewalld running`; null when no known firewall tool is installed. */
  firewall: string | null;
  /** /etc/os-release VERSION (`24.04.3 LTS (Noble Numbat)`): the point release. */
  osVersion: string | null;
  /** `uname -r`. */
  kernel: string | null;
  /** The GPUs nvidia-smi lists, with compute capability (`--query-gpu=name,compute_cap`). */
  gpus: FactGpu[];
  /** `mokutil --sb-state`; `not-efi` on a BIOS boot, `unknown` when mokutil is missing. */
  secureBoot: SecureBootState;
  /** The machine boots with EFI (/sys/firmware/efi exists). */
  efi: boolean;
  mokutil: boolean;
  /** The DKMS signing certificate that exists (Debian's or Ubuntu's path), or null. */
  mokCert: string | null;
  /** `mokutil --test-key` says the certificate is enrolled. */
  mokEnrolled: boolean;
  /** The certificate is queued for enrolment at the next boot (`mokutil --list-new`). */
  mokPending: boolean;
  /** The last kernel log line about the nvidia module (signature rejected, unsupported GPU, …), if readable. */
  nvidiaKernelLog: string | null;
  /** `dkms status nvidia` (first line), or null without DKMS. */
  dkmsNvidia: string | null;
  /** What NVIDIA's repository offers (empty until the repository is configured). */
  apt: { open: AptDriverCatalog; proprietary: AptDriverCatalog };
  /** Packages on hold (`apt-mark showhold`) among the NVIDIA ones. */
  heldPackages: string[];
  /** ops's apt preferences pin file exists. */
  aptPinFile: boolean;
  /** unattended-upgrades is installed and periodic upgrades are on. */
  unattendedUpgrades: boolean;
}

/** scripts/provision/probe-host.sh, found relative to this file. */
export const PROBE_SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'scripts',
  'provision',
  'probe-host.sh',
);

/** The probe script's text, to pipe into `bash -s` wherever it should run. */
export function probeScript(): string {
  return readFileSync(PROBE_SCRIPT, 'utf8');
}

/** Parses the probe's `key=value` lines (pure). Unknown keys are ignored so an older ops reads a newer probe. */
export function parseHostFacts(text: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const str = (key: string) => kv.get(key) || null;
  const flag = (key: string) => kv.get(key) === '1';
  const num = (key: string) => Number.parseInt(kv.get(key) ?? '0', 10) || 0;
  const list = (key: string) => (kv.get(key) ?? '').split(/\s+/).filter(Boolean);
  return {
    distro: hostDistro(kv.get('os.id') ?? '', kv.get('os.version_id') ?? '', kv.get('os.pretty') ?? ''),
    arch: kv.get('arch') ?? 'unknown',
    root: flag('root'),
    systemd: flag('systemd'),
    pciGpus: num('nvidia.pci_gpus'),
    smiGpus: num('nvidia.smi_gpus'),
    driverVersion: str('nvidia.driver'),
    driverCuda: str('nvidia.cuda'),
    nvidiaModule: flag('nvidia.module'),
    nouveauLoaded: flag('nouveau.loaded'),
    rebootRequired: flag('reboot_required'),
    packages: list('packages'),
    cudaToolkit: str('cuda.toolkit'),
    containerToolkit: str('toolkit.version'),
    devCharRule: kv.has('nvidia.dev_char_rule'),
    missingPrerequisites: list('prereq.missing'),
    dockerCli: kv.has('docker.cli'),
    dockerDaemonBinary: flag('docker.daemon_binary'),
    dockerServer: str('docker.server'),
    dockerRuntimes: list('docker.runtimes'),
    dockerCgroupDriver: str('docker.cgroup_driver'),
    firewall: str('firewall'),
    osVersion: str('os.version'),
    kernel: str('kernel'),
    gpus: parseFactGpus(kv.get('nvidia.gpus') ?? ''),
    secureBoot: kv.has('secure_boot') ? parseSbState(kv.get('secure_boot') ?? '') : 'unknown',
    efi: flag('efi'),
    mokutil: flag('mokutil'),
    mokCert: str('mok.cert'),
    mokEnrolled: flag('mok.enrolled'),
    mokPending: flag('mok.pending'),
    nvidiaKernelLog: str('nvidia.kmsg'),
    dkmsNvidia: str('nvidia.dkms'),
    apt: {
      open: { pinningPackages: list('apt.pinning'), driverVersions: list('apt.versions.open') },
      proprietary: { pinningPackages: list('apt.pinning'), driverVersions: list('apt.versions.proprietary') },
    },
    heldPackages: list('apt.held'),
    aptPinFile: flag('apt.pin_file'),
    unattendedUpgrades: flag('unattended_upgrades'),
  };
}

/** `name|cc;name|cc` (the probe's one-line list) → GPUs in nvidia-smi's order. */
function parseFactGpus(text: string): FactGpu[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const [name = '', cc = ''] = entry.split('|').map((p) => p.trim());
      return { index, name, ...(/^\d+\.\d+$/.test(cc) ? { computeCapability: cc } : {}) };
    });
}

/** NVIDIA GPUs the box has, whichever way they were seen. */
export function gpuCount(facts: HostFacts): number {
  return Math.max(facts.pciGpus, facts.smiGpus);
}

/** Installed packages whose name starts with one of the prefixes (`name=version`). */
export function installedPackages(facts: HostFacts, prefixes: readonly string[]): string[] {
  return facts.packages.filter((p) => prefixes.some((prefix) => p.startsWith(prefix)));
}

/** Reads a saved facts file (the probe's output from another box). */
export function readHostFactsFile(file: string): HostFacts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read host facts file ${file}`, {
      cause,
      exitCode: 2,
      hint: 'save one with: ssh BOX bash -s < scripts/provision/probe-host.sh > box.facts',
    });
  }
  if (!/^os\.id=/m.test(text)) {
    throw new OpsError(`${file} is not a host facts file (no os.id= line)`, {
      exitCode: 2,
      hint: 'it is the output of scripts/provision/probe-host.sh',
    });
  }
  return parseHostFacts(text);
}

/** Facts for a box nothing is known about but its distro: a bare install (for `--dry-run --distro`). */
export function bareHostFacts(distro: HostDistro): HostFacts {
  return {
    ...parseHostFacts(`os.id=${distro.id}\nos.version_id=${distro.versionId}\nos.pretty=${distro.pretty}`),
    arch: 'x86_64',
    root: true,
    systemd: true,
    // Unknown firmware: assume EFI, so the Secure Boot step reads the state on the box before the driver.
    efi: true,
    missingPrerequisites: ['curl', 'gpg'],
  };
}
