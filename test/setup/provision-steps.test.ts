import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { defaultAnswers, mergeAnswers } from '../../src/setup/answers.js';
import { claudeCodeLines } from '../../src/setup/claude-code-lines.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { parseDistroFlag } from '../../src/setup/distro.js';
import { bareHostFacts, parseHostFacts, readHostFactsFile } from '../../src/setup/host-facts.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'host-facts');
const options: ProvisionOptions = {
  driver: { requested: 'auto', flavour: 'open', reason: 'every card is Turing or newer', replace: false },
  upgradeToolkit: false,
  hostCuda: false,
  gatewayHost: '127.0.0.1',
  gatewayPort: 8080,
};
const statusOf = (facts: ReturnType<typeof parseHostFacts>, opts = options) =>
  Object.fromEntries(decideSteps(facts, opts).map((d) => [d.step.id, d.status]));

describe('host provisioning decisions', () => {
  it('a bare Ubuntu 24.04 box with two GPUs gets driver, toolkit, Docker and runtime-configure, in that order', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('ubuntu-24.04')), pciGpus: 2 };
    const decisions = decideSteps(facts, options);
    const pending = decisions.filter((d) => d.status === 'pending').map((d) => d.step.id);
    const order = ['nvidia-driver', 'container-toolkit', 'docker-engine', 'docker-nvidia-runtime'];
    assert.deepEqual(
      pending.filter((id) => order.includes(id)),
      order,
    );
    const all = decisions.flatMap((d) => d.commands).join('\n');
    assert.match(all, /compute\/cuda\/repos\/ubuntu2404\/x86_64\/cuda-keyring_1\.1-1_all\.deb/);
    assert.match(all, /apt-get install .*nvidia-open/);
    assert.match(all, /nvidia-container-toolkit\.list/);
    assert.match(all, /nvidia-ctk runtime configure --runtime=docker/);
    assert.match(all, /create-dev-char-symlinks/);
  });

  it('a driver package installed but not answering yet (module not loaded): the module step is pending and may need a reboot', () => {
    const facts = {
      ...bareHostFacts(parseDistroFlag('ubuntu-24.04')),
      pciGpus: 1,
      packages: ['nvidia-open=550.54.14-1'],
    };
    const decisions = Object.fromEntries(decideSteps(facts, options).map((d) => [d.step.id, d]));
    assert.equal(decisions['nvidia-driver']?.status, 'satisfied');
    assert.equal(decisions['kernel-module']?.status, 'pending');
    assert.match(
      decisions['kernel-module']?.detail ?? '',
      /driver 550.54.14-1 is installed but its module is not loaded/,
    );
    assert.equal(decisions['kernel-module']?.step.mayNeedReboot, true);
  });

  it('a box that already has them shows every step satisfied, and the existing CUDA is kept', () => {
    const facts = readHostFactsFile(join(FIXTURES, 'ubuntu-24.04-4090x2-ready.facts'));
    const status = statusOf({ ...facts, cudaToolkit: '12.4' });
    for (const id of [
      'nvidia-driver',
      'kernel-module',
      'container-toolkit',
      'docker-engine',
      'docker-daemon',
      'docker-nvidia-runtime',
      'nvml-daemon-reload',
      'firewall',
    ])
      assert.equal(status[id], 'satisfied', id);
    assert.equal(status['cuda-toolkit'], 'kept');
  });

  it('a pinned driver that differs is kept unless replacing was asked for, then the pinned package is installed', () => {
    const facts = readHostFactsFile(join(FIXTURES, 'ubuntu-24.04-4090x2-ready.facts'));
    const pinned = {
      ...options,
      driver: { ...options.driver, flavour: 'proprietary' as const, pin: '570', replace: false },
    };
    assert.equal(statusOf(facts, pinned)['nvidia-driver'], 'kept');
    const replace = decideSteps(facts, { ...pinned, driver: { ...pinned.driver, replace: true } });
    const driver = replace.find((d) => d.step.id === 'nvidia-driver');
    assert.equal(driver?.status, 'pending');
    assert.match(driver?.commands.join('\n') ?? '', /apt-get install .*cuda-drivers/);
  });

  it('a CPU-only box marks the GPU steps not applicable; Docker present is satisfied', () => {
    const facts = parseHostFacts(
      'os.id=debian\nos.version_id=12\nnvidia.pci_gpus=0\ndocker.cli=/usr/bin/docker\ndocker.server=20.10\n',
    );
    const status = statusOf(facts);
    assert.equal(status['nvidia-driver'], 'not-applicable');
    assert.equal(status['docker-nvidia-runtime'], 'not-applicable');
    assert.equal(status['docker-daemon'], 'satisfied');
  });

  it('an unsupported distro gets by-hand instructions instead of commands', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('fedora-41')), pciGpus: 1 };
    const driver = decideSteps(facts, options).find((d) => d.step.id === 'nvidia-driver');
    assert.equal(driver?.status, 'unsupported');
    assert.deepEqual(driver?.commands, []);
    assert.match(driver?.detail ?? '', /not supported .*install the NVIDIA driver/);
  });

  it('air-gapped: driver and toolkit install from the local .deb bundle', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('debian-12')), pciGpus: 1 };
    const cmds = decideSteps(facts, { ...options, debDir: '/srv/ops-debs' })
      .flatMap((d) => d.commands)
      .join('\n');
    assert.match(cmds, /apt-get install -y -q \/srv\/ops-debs\/\*\.deb/);
    assert.doesNotMatch(cmds, /developer\.download\.nvidia\.com/);
  });

  it('a gateway on all interfaces is left to the user: ops opens no firewall port', () => {
    const facts = readHostFactsFile(join(FIXTURES, 'ubuntu-24.04-4090x2-ready.facts'));
    const fw = decideSteps(facts, { ...options, gatewayHost: '0.0.0.0' }).find(
      (d) => d.step.id === 'firewall',
    );
    assert.equal(fw?.status, 'manual');
    assert.match(fw?.detail ?? '', /ufw active.*ufw allow/);
  });
});

describe('setup answers and the Claude Code lines', () => {
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
  it('defaults come from the profile; later layers win field by field; every bad field is reported', () => {
    const base = defaultAnswers(profile);
    assert.equal(base.contextTokens, 16384);
    assert.equal(base.electricityUsdPerKWh, 0.15);
    const merged = mergeAnswers(
      base,
      { agents: 4 },
      { priority: 'speed', driver: { pin: '550', flavour: 'open', replace: false } },
    );
    assert.equal(merged.agents, 4);
    assert.equal(merged.priority, 'speed');
    assert.equal(merged.driver.pin, '550');
    assert.throws(
      () => mergeAnswers(base, { agents: 0, contextTokens: 1 } as never),
      (e: Error) => /agents/.test(e.message) && /contextTokens/.test(e.message),
    );
  });

  it('prints the base URL, token, tier models mapped to the aliases, and a timeout', () => {
    const lines = claudeCodeLines({
      gatewayUrl: 'http://127.0.0.1:8080',
      authToken: 'local',
      qualityAlias: 'quality',
      fastAlias: 'fast',
      cpuOnly: false,
    });
    assert.deepEqual(lines.slice(0, 6), [
      'export ANTHROPIC_BASE_URL=http://127.0.0.1:8080',
      'export ANTHROPIC_AUTH_TOKEN=local',
      'export ANTHROPIC_DEFAULT_OPUS_MODEL=quality',
      'export ANTHROPIC_DEFAULT_SONNET_MODEL=quality',
      'export ANTHROPIC_DEFAULT_HAIKU_MODEL=fast',
      'export API_TIMEOUT_MS=600000',
    ]);
  });
});
