import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { privateApt } from '../../src/bundle/apt-repository.js';
import type { BundlePart } from '../../src/bundle/bundle-manifest.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { parseDistroFlag } from '../../src/setup/distro.js';
import { bareHostFacts } from '../../src/setup/host-facts.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';
import { answersFromBundle, bundleMismatch, imagesToLoad } from '../../src/setup/setup-bundle.js';

const stateDir = mkdtempSync(join(tmpdir(), 'ops-setup-bundle-'));
const repo = '/var/lib/ops/bundle/abc/parts/apt';
// The same configuration `ops setup --bundle` hands the steps (src/setup/setup-bundle.ts openSetupBundle).
const apt = privateApt(join(stateDir, 'apt-state'), `deb [trusted=yes] file:${repo} ./\n`, {
  emptyStatus: false,
});
const fromBundle: ProvisionOptions = {
  driver: { requested: 'auto', flavour: 'open', reason: 'Turing or newer', replace: false },
  upgradeToolkit: false,
  hostCuda: false,
  gatewayHost: '127.0.0.1',
  gatewayPort: 8080,
  bundleApt: { repo, options: apt.options },
};
const SOURCE_LIST = `Dir::Etc::SourceList=${join(stateDir, 'apt-state', 'etc', 'sources.list')}`;

/** Every apt-get / apt-cache invocation in a command, with what follows it up to the next shell operator. */
function aptCalls(commands: string[]): string[] {
  return commands.flatMap((c) => [...c.matchAll(/\bapt-(?:get|cache)\b[^;&|]*/g)].map((m) => m[0]));
}

describe('provisioning from a bundle (pure decisions)', () => {
  it('a bare Debian 12 box with a GPU: every apt call reads the bundle repository alone; no NVIDIA key, no download', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('debian-12')), pciGpus: 1 };
    const decisions = decideSteps(facts, { ...fromBundle, driver: { ...fromBundle.driver, pin: '580' } });
    const byId = Object.fromEntries(decisions.map((d) => [d.step.id, d]));
    assert.equal(byId.prerequisites?.status, 'not-applicable');
    assert.match(byId.prerequisites?.detail ?? '', /bundle's repository/);
    const commands = decisions.flatMap((d) => [...d.commands, ...d.verify]);
    const calls = aptCalls(commands);
    assert.ok(calls.length >= 6, calls.join('\n'));
    for (const call of calls) assert.ok(call.includes(SOURCE_LIST), `not from the bundle: ${call}`);
    const all = commands.join('\n');
    assert.doesNotMatch(all, /curl|https?:\/\/|cuda-keyring|\/etc\/apt\/sources\.list\.d/);
    assert.match(
      byId['nvidia-driver']!.commands.join('\n'),
      /install -y -q --no-install-recommends nvidia-open/,
    );
    assert.match(
      byId['container-toolkit']!.commands.join('\n'),
      /install -y -q --no-install-recommends nvidia-container-toolkit nvidia-container-toolkit-base libnvidia-container-tools libnvidia-container1/,
    );
    // Headers only when the bundle carries them (DKMS names what is missing otherwise).
    assert.match(
      byId['nvidia-driver']!.commands.join('\n'),
      /if apt-cache .* show "linux-headers-\$\(uname -r\)"/,
    );
  });

  it('a bare CPU box: Docker from the bundle, GPU steps not applicable', () => {
    const facts = bareHostFacts(parseDistroFlag('debian-12'));
    const decisions = decideSteps(facts, fromBundle);
    const docker = decisions.find((d) => d.step.id === 'docker-engine')!;
    assert.equal(docker.status, 'pending');
    assert.match(
      docker.commands[0]!,
      /apt-get .*-q update && apt-get .* install -y -q --no-install-recommends docker\.io$/,
    );
    assert.ok(docker.commands.every((c) => aptCalls([c]).every((call) => call.includes(SOURCE_LIST))));
    assert.equal(decisions.find((d) => d.step.id === 'nvidia-driver')?.status, 'not-applicable');
  });

  it('the bundle wins over a .deb directory from older answers', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('debian-12')), pciGpus: 1 };
    const cmds = decideSteps(facts, { ...fromBundle, debDir: '/srv/debs' }).flatMap((d) => d.commands);
    assert.doesNotMatch(cmds.join('\n'), /\/srv\/debs/);
  });

  it('without a bundle nothing changes: NVIDIA keyring and the system sources', () => {
    const facts = { ...bareHostFacts(parseDistroFlag('debian-12')), pciGpus: 1 };
    const { bundleApt: _, ...online } = fromBundle;
    const all = decideSteps(facts, online)
      .flatMap((d) => d.commands)
      .join('\n');
    assert.match(all, /cuda-keyring/);
    assert.doesNotMatch(all, /Dir::Etc::SourceList/);
  });
});

describe('images from a bundle', () => {
  const part = (what: string, sha: string): BundlePart => ({
    path: `parts/images/${what.replace(/[:/]/g, '_')}.tar`,
    kind: 'image',
    bytes: 1,
    sha256: sha.repeat(64),
    what,
  });
  const parts = [part('ops/llama.cpp:cpu', 'a'), part('ops/gateway:0.1.0', 'b')];
  const cases: { name: string; present: string[]; before: string[]; want: string[] }[] = [
    { name: 'a fresh machine loads all', present: [], before: [], want: ['load', 'load'] },
    {
      name: 'a re-run keeps what it loaded from this bundle',
      present: ['ops/llama.cpp:cpu', 'ops/gateway:0.1.0'],
      before: ['a'.repeat(64), 'b'.repeat(64)],
      want: ['keep', 'keep'],
    },
    {
      name: 'an image of the same name from elsewhere is loaded again',
      present: ['ops/llama.cpp:cpu', 'ops/gateway:0.1.0'],
      before: ['a'.repeat(64)],
      want: ['keep', 'load'],
    },
    {
      name: 'an image removed since is loaded again',
      present: ['ops/gateway:0.1.0'],
      before: ['a'.repeat(64), 'b'.repeat(64)],
      want: ['load', 'keep'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = imagesToLoad([...parts, { ...part('x', 'c'), kind: 'deb' }], new Set(c.present), c.before);
      assert.deepEqual(
        got.map((d) => d.action),
        c.want,
      );
    });
});

describe('what a bundle settles', () => {
  it("the deployment and the gateway's address are its Plan's; the file is kept for re-runs", () => {
    assert.deepEqual(
      answersFromBundle('/srv/box.ops-bundle', {
        deployment: 'box',
        engines: [],
        gateway: { port: 4000, host: '127.0.0.1' },
      }),
      {
        deployment: 'box',
        gatewayPort: 4000,
        gatewayHost: '127.0.0.1',
        offline: { bundle: '/srv/box.ops-bundle' },
      },
    );
  });

  it('refuses a bundle for another architecture, or packages for another release', () => {
    const deb: BundlePart = {
      path: 'parts/apt/x.deb',
      kind: 'deb',
      bytes: 1,
      sha256: 'a'.repeat(64),
      what: 'x',
    };
    const m = { distro: 'debian-12' as const, arch: 'amd64', parts: [deb] };
    assert.equal(bundleMismatch(m, { distro: 'debian-12', arch: 'amd64' }), undefined);
    assert.match(bundleMismatch(m, { distro: 'debian-12', arch: 'arm64' }) ?? '', /made for amd64.*arm64/);
    assert.match(
      bundleMismatch(m, { distro: 'ubuntu-24.04', arch: 'amd64' }) ?? '',
      /for debian-12.*ubuntu-24\.04/,
    );
    // No packages: the images and models fit any release of the architecture.
    assert.equal(bundleMismatch({ ...m, parts: [] }, { distro: 'ubuntu-24.04', arch: 'amd64' }), undefined);
  });
});
