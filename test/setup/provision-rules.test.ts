import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../src/detect/nvidia-smi-xml-parser.js';
import { defaultAnswers, mergeAnswers, type PartialAnswers } from '../../src/setup/answers.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { parseDistroFlag } from '../../src/setup/distro.js';
import { hostChecks } from '../../src/setup/doctor-checks.js';
import {
  bareHostFacts,
  type HostFacts,
  parseHostFacts,
  readHostFactsFile,
} from '../../src/setup/host-facts.js';
import { provisionOptions } from '../../src/setup/provision-options.js';
import type { StepDecision } from '../../src/setup/provision-types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const profile = {
  defaults: {
    engine: 'llama.cpp' as const,
    models: ['x'],
    contextTokens: 16384,
    concurrency: 1,
    typicalPowerW: 150,
  },
  tco: {
    hardwareCostUsd: { low: 1, high: 3, typical: 2000 },
    lifetimeYears: 3,
    electricityUsdPerMonth: 16,
    maintenanceUsdPerYear: 0,
  },
};
const answers = (layer: PartialAnswers = {}) => mergeAnswers(defaultAnswers(profile), layer);
const gpusOf = (file: string) =>
  parseNvidiaSmiXml(readFileSync(join(FIXTURES, 'nvidia-smi', file), 'utf8'), file).gpus;
/** A fresh box of the distro with the cards of an nvidia-smi fixture on its PCI bus and no driver. */
function bareWith(file: string, distro = 'ubuntu-24.04'): HostFacts {
  const gpus = gpusOf(file);
  return {
    ...bareHostFacts(parseDistroFlag(distro)),
    pciGpus: gpus.length,
    gpus: gpus.map((g) => ({
      index: g.index,
      name: g.name,
      ...(g.computeCapability ? { computeCapability: g.computeCapability } : {}),
    })),
  };
}
function decide(facts: HostFacts, layer: PartialAnswers = {}): Record<string, StepDecision> {
  const options = provisionOptions(answers(layer), facts.gpus);
  return Object.fromEntries(decideSteps(facts, options).map((d) => [d.step.id, d]));
}

describe('the driver step installs the flavour the cards need, and says why', () => {
  const table: { file: string; status: string; command?: RegExp; detail: RegExp }[] = [
    {
      file: 'rtx-5090-570.xml',
      status: 'pending',
      command: /apt-get install .* nvidia-open\b/,
      detail: /nvidia-open — open kernel modules: required by Blackwell/,
    },
    { file: 'rtx-4090-550.xml', status: 'pending', command: /nvidia-open\b/, detail: /Turing or newer/ },
    { file: 'a100-80gb-535.xml', status: 'pending', command: /nvidia-open\b/, detail: /Turing or newer/ },
    {
      file: 'v100-x2-535.xml',
      status: 'pending',
      command: /apt-get install .* cuda-drivers\b/,
      detail: /cuda-drivers — proprietary kernel modules: GPU 0 Tesla V100/,
    },
    {
      file: 'mixed-a100-v100-535.xml',
      status: 'pending',
      command: /cuda-drivers\b/,
      detail: /predates Turing/,
    },
    { file: 'mixed-5090-v100-570.xml', status: 'manual', detail: /no driver serves every card/ },
    { file: 'tesla-k80-470.xml', status: 'manual', detail: /Kepler/ },
  ];
  for (const row of table) {
    it(`${row.file} → ${row.status}`, () => {
      const d = decide(bareWith(row.file))['nvidia-driver'];
      assert.equal(d?.status, row.status, d?.detail);
      assert.match(d?.detail ?? '', row.detail);
      if (row.command) assert.match(d?.commands.join('\n') ?? '', row.command);
      else assert.deepEqual(d?.commands, []);
    });
  }
});

describe('driver pins: real packages, held, refused when nothing matches', () => {
  const repoFacts = (extra = '') =>
    parseHostFacts(
      `os.id=debian\nos.version_id=12\nnvidia.pci_gpus=1\nnvidia.gpus=NVIDIA GeForce RTX 4090|8.9;\n` +
        'apt.pinning=nvidia-driver-pinning-580 nvidia-driver-pinning-575\n' +
        'apt.versions.open=580.95.05-1 580.82.07-1 575.57.08-1 550.127.05-1\n' +
        extra,
    );
  it('a branch with a pinning package installs it before the unversioned driver package', () => {
    const d = decide(repoFacts(), { driver: { pin: '580', flavour: 'auto', replace: false } });
    assert.equal(d['driver-pin']?.status, 'pending');
    assert.match(d['driver-pin']?.commands.join('\n') ?? '', /apt-get install .*nvidia-driver-pinning-580/);
    assert.match(d['nvidia-driver']?.commands.join('\n') ?? '', /--no-install-recommends nvidia-open \|\|/);
    assert.equal(d['driver-hold']?.status, 'pending');
  });
  it('550.127 (no pinning package) becomes an apt preferences pin on the versions that exist', () => {
    const d = decide(repoFacts(), { driver: { pin: '550.127', flavour: 'auto', replace: false } });
    assert.match(d['driver-pin']?.detail ?? '', /apt preferences hold the driver at 550\.127\.05/);
    assert.match(
      d['driver-pin']?.commands.join('\n') ?? '',
      /Pin: version 550\.127\.\*.*ops-nvidia-driver-pin/s,
    );
  });
  it('a pin no package matches is refused with the versions that exist; doctor fails on it', () => {
    const facts = repoFacts();
    const d = decide(facts, { driver: { pin: '535', flavour: 'auto', replace: false } });
    assert.equal(d['driver-pin']?.status, 'refused');
    assert.match(
      d['driver-pin']?.detail ?? '',
      /available: 580\.95\.05, 580\.82\.07, 580, 575\.57\.08, 575, 550\.127\.05/,
    );
    const doctor = hostChecks(
      facts,
      provisionOptions(answers({ driver: { pin: '535', flavour: 'auto', replace: false } }), facts.gpus),
    );
    assert.equal(doctor.find((c) => c.id === 'driver-pin')?.status, 'fail');
  });
  it('once installed and held, doctor shows the pin and the hold', () => {
    const facts = repoFacts(
      'nvidia.driver=580.95.05\nnvidia.module=1\npackages=nvidia-driver-pinning-580=580-1 nvidia-open=580.95.05-1 nvidia-kernel-open-dkms=580.95.05-1\napt.held=nvidia-open nvidia-kernel-open-dkms\nunattended_upgrades=1\n',
    );
    const options = provisionOptions(
      answers({ driver: { pin: '580', flavour: 'auto', replace: false } }),
      facts.gpus,
    );
    const doctor = Object.fromEntries(hostChecks(facts, options).map((c) => [c.id, c]));
    assert.equal(doctor['driver-pin']?.status, 'ok');
    assert.match(doctor['driver-pin']?.detail ?? '', /pinned by nvidia-driver-pinning-580/);
    assert.equal(doctor['driver-hold']?.status, 'ok');
    assert.match(
      doctor['driver-hold']?.detail ?? '',
      /held: nvidia-open, nvidia-kernel-open-dkms; unattended-upgrades is on/,
    );
  });
  it('no pin with unattended-upgrades on: doctor warns that an upgrade can break the loaded driver', () => {
    const facts = repoFacts('nvidia.driver=580.95.05\nnvidia.module=1\nunattended_upgrades=1\n');
    const doctor = hostChecks(facts, provisionOptions(answers(), facts.gpus));
    const hold = doctor.find((c) => c.id === 'driver-hold');
    assert.equal(hold?.status, 'warn');
    assert.match(hold?.fix ?? '', /Driver\/library version mismatch/);
  });
  it('a pinned branch the cards do not support is refused in the plan', () => {
    const facts = bareWith('v100-x2-535.xml');
    const d = decide(facts, { driver: { pin: '590', flavour: 'auto', replace: false } });
    assert.equal(d['nvidia-driver']?.status, 'manual');
    assert.match(d['nvidia-driver']?.detail ?? '', /pinned branch 590 does not support GPU 0 Tesla V100/);
  });
});

describe('Secure Boot', () => {
  const sb = (extra: string) =>
    parseHostFacts(
      `os.id=ubuntu\nos.version_id=24.04\nnvidia.pci_gpus=1\nnvidia.gpus=NVIDIA GeForce RTX 4090|8.9;\nefi=1\nmokutil=1\n${extra}`,
    );
  it('on, no signing key: ops creates the key where the distro DKMS signs with it', () => {
    const d = decide(sb('secure_boot=SecureBoot enabled\n'))['secure-boot'];
    assert.equal(d?.status, 'pending');
    assert.match(
      d?.commands.join('\n') ?? '',
      /SecureBoot enabled.*openssl req .* -keyout \/var\/lib\/shim-signed\/mok\/MOK\.priv -outform DER -out \/var\/lib\/shim-signed\/mok\/MOK\.der/,
    );
  });
  it('on, key not enrolled: the MOK steps for the next boot, by hand', () => {
    const d = decide(sb('secure_boot=SecureBoot enabled\nmok.cert=/var/lib/shim-signed/mok/MOK.der\n'))[
      'secure-boot'
    ];
    assert.equal(d?.status, 'manual');
    assert.match(
      d?.detail ?? '',
      /mokutil --import \/var\/lib\/shim-signed\/mok\/MOK\.der.*Enroll MOK → Continue → Yes/,
    );
  });
  it('on and enrolled, or off, or a BIOS boot: satisfied', () => {
    assert.equal(
      decide(sb('secure_boot=SecureBoot enabled\nmok.cert=/x\nmok.enrolled=1\n'))['secure-boot']?.status,
      'satisfied',
    );
    assert.match(
      decide(sb('secure_boot=SecureBoot disabled\n'))['secure-boot']?.detail ?? '',
      /Secure Boot is off/,
    );
    assert.equal(
      decide(sb('secure_boot=EFI variables are not supported on this system\n'))['secure-boot']?.status,
      'satisfied',
    );
  });
  it('doctor explains a module the kernel refused to load', () => {
    const facts = sb(
      'secure_boot=SecureBoot enabled\nmok.cert=/var/lib/shim-signed/mok/MOK.der\npackages=nvidia-open=580.95.05-1\nnvidia.kmsg=Loading of module with unavailable key is rejected\n',
    );
    const module = hostChecks(facts, provisionOptions(answers(), facts.gpus)).find(
      (c) => c.id === 'kernel-module',
    );
    assert.equal(module?.status, 'fail');
    assert.match(
      module?.detail ?? '',
      /Secure Boot: the kernel refused it: "Loading of module with unavailable key is rejected"/,
    );
    assert.match(
      module?.fix ?? '',
      /enrol the signing key: sudo mokutil --import \/var\/lib\/shim-signed\/mok\/MOK\.der/,
    );
  });
  it('doctor explains a DKMS module not built for the running kernel', () => {
    const facts = sb(
      'secure_boot=SecureBoot disabled\nkernel=6.14.0-29-generic\npackages=nvidia-open=580.95.05-1\nnvidia.dkms=nvidia/580.95.05: added\n',
    );
    const module = hostChecks(facts, provisionOptions(answers(), facts.gpus)).find(
      (c) => c.id === 'kernel-module',
    );
    assert.match(module?.detail ?? '', /DKMS has not built the nvidia module for kernel 6\.14\.0-29-generic/);
    assert.match(module?.fix ?? '', /linux-headers-\$\(uname -r\).*dkms autoinstall/);
  });
});

describe('container toolkit with the published security fixes, upgraded only with consent', () => {
  const facts = readHostFactsFile(join(FIXTURES, 'host-facts', 'ubuntu-24.04-4090x2-ready.facts'));
  const old = { ...facts, containerToolkit: '1.17.3' };
  it('an old toolkit is kept without consent, and doctor warns with the CVEs', () => {
    const d = decide(old)['container-toolkit'];
    assert.equal(d?.status, 'kept');
    assert.match(
      d?.detail ?? '',
      /lacks the fixes for CVE-2025-23359, CVE-2025-23266, CVE-2025-23267 \(1\.17\.8\+ has them\)/,
    );
    const doctor = hostChecks(old, provisionOptions(answers(), old.gpus)).find(
      (c) => c.id === 'container-toolkit',
    );
    assert.equal(doctor?.status, 'warn');
  });
  it('with consent it is upgraded through the toolkit repository', () => {
    const d = decide(old, { upgradeToolkit: true })['container-toolkit'];
    assert.equal(d?.status, 'pending');
    assert.match(d?.commands.join('\n') ?? '', /apt-get install .*nvidia-container-toolkit/);
  });
  it('1.17.8 is satisfied', () => {
    assert.equal(decide(facts)['container-toolkit']?.status, 'satisfied');
  });
});

describe('distributions: Debian 13 and Ubuntu point releases', () => {
  it("Debian 13 gets NVIDIA's debian13 repository", () => {
    const d = decide(bareWith('rtx-4090-550.xml', 'debian-13'))['nvidia-driver'];
    assert.match(d?.commands.join('\n') ?? '', /compute\/cuda\/repos\/debian13\/x86_64\/cuda-keyring/);
  });
  it('Ubuntu 24.04.3 is the 24.04 series; an unsupported release is refused with what to do', () => {
    const facts = parseHostFacts(
      'os.id=ubuntu\nos.version_id=24.04\nos.version=24.04.3 LTS (Noble Numbat)\nkernel=6.14.0-29-generic\n',
    );
    assert.equal(facts.distro.key, 'ubuntu-24.04');
    assert.equal(parseDistroFlag('ubuntu-24.04.3').key, 'ubuntu-24.04');
    const d = decide(bareWith('rtx-4090-550.xml', 'debian-11'))['nvidia-driver'];
    assert.equal(d?.status, 'unsupported');
    assert.match(
      d?.detail ?? '',
      /Debian GNU\/Linux 11 is not supported \(ubuntu-22\.04, ubuntu-24\.04, debian-12, debian-13 are\)/,
    );
  });
});
