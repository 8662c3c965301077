import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { checkImageCuda, tableRequirement } from '../../src/cuda-compat/check-image-cuda.js';
import { cudaForDriver, minDriverForCuda } from '../../src/cuda-compat/cuda-driver-table.js';
import { checkImagesForInventory } from '../../src/cuda-compat/plan-cuda-check.js';
import { evaluateRequirement, parseRequireCuda } from '../../src/cuda-compat/require-cuda.js';
import { parseNvidiaSmiXml } from '../../src/detect/nvidia-smi-xml-parser.js';
import type { GpuInfo } from '../../src/detect/types.js';
import { decideDriverFlavour } from '../../src/setup/driver-flavour.js';
import { resolveDriverPin } from '../../src/setup/driver-pin.js';
import { MIN_SAFE_TOOLKIT, toolkitOpenCves } from '../../src/setup/toolkit-security.js';

const SMI = join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');
function capture(file: string): { gpus: GpuInfo[]; driver: string; cuda: string } {
  const report = parseNvidiaSmiXml(readFileSync(join(SMI, file), 'utf8'), file);
  const first = report.gpus[0];
  assert.ok(first, file);
  return { gpus: report.gpus, driver: first.driverVersion ?? '', cuda: first.cudaVersion ?? '' };
}

/** One row per fixture: what the flavour rule must say for the cards in it. */
const FLAVOUR_TABLE: {
  file: string;
  generation: string;
  flavour: 'open' | 'proprietary' | null;
  reason: RegExp;
  maxBranch?: number;
  minBranch?: number;
}[] = [
  {
    file: 'rtx-5090-570.xml',
    generation: 'Blackwell',
    flavour: 'open',
    reason: /required by Blackwell/,
    minBranch: 570,
  },
  { file: 'rtx-4090-550.xml', generation: 'Ada', flavour: 'open', reason: /Turing or newer/ },
  { file: 'l40s-550.xml', generation: 'Ada (datacenter)', flavour: 'open', reason: /Turing or newer/ },
  { file: 'a100-80gb-535.xml', generation: 'Ampere', flavour: 'open', reason: /Turing or newer/ },
  { file: 'h200-570.xml', generation: 'Hopper', flavour: 'open', reason: /Turing or newer/ },
  {
    file: 'v100-x2-535.xml',
    generation: 'Volta',
    flavour: 'proprietary',
    reason: /V100.*7\.0.*predates Turing/,
    maxBranch: 580,
  },
  { file: 'tesla-k80-470.xml', generation: 'Kepler', flavour: null, reason: /Kepler.*470 legacy driver/ },
  {
    file: 'mixed-4090-3060-550.xml',
    generation: 'mixed Ada + Ampere',
    flavour: 'open',
    reason: /every card is Turing or newer/,
  },
  {
    file: 'mixed-a100-v100-535.xml',
    generation: 'mixed Ampere + Volta',
    flavour: 'proprietary',
    reason: /GPU 1 Tesla V100.*predates Turing/,
    maxBranch: 580,
  },
  {
    file: 'mixed-5090-v100-570.xml',
    generation: 'mixed Blackwell + Volta',
    flavour: null,
    reason: /no driver serves every card: GPU 0 NVIDIA GeForce RTX 5090.*open.*GPU 1 Tesla V100.*proprietary/,
    maxBranch: 580,
    minBranch: 570,
  },
];

describe('driver flavour from compute capability, across the fixtures', () => {
  for (const row of FLAVOUR_TABLE) {
    it(`${row.generation} (${row.file}) → ${row.flavour ?? 'refused'}`, () => {
      const decision = decideDriverFlavour(capture(row.file).gpus, 'auto');
      assert.equal(decision.flavour, row.flavour, decision.reason);
      assert.match(decision.reason, row.reason);
      assert.equal(decision.maxBranch, row.maxBranch);
      assert.equal(decision.minBranch, row.minBranch);
    });
  }

  it('an explicit flavour is kept where every card supports it and refused with the card that cannot', () => {
    const ada = capture('rtx-4090-550.xml').gpus;
    assert.equal(decideDriverFlavour(ada, 'proprietary').flavour, 'proprietary');
    const blackwell = decideDriverFlavour(capture('rtx-5090-570.xml').gpus, 'proprietary');
    assert.equal(blackwell.flavour, null);
    assert.match(
      blackwell.reason,
      /proprietary kernel modules were asked for, but GPU 0 NVIDIA GeForce RTX 5090/,
    );
    const volta = decideDriverFlavour(capture('v100-x2-535.xml').gpus, 'open');
    assert.match(volta.reason, /open kernel modules were asked for, but GPU 0 Tesla V100/);
  });

  it("a pinned branch outside a card's support list is refused, naming the card", () => {
    const volta = decideDriverFlavour(capture('v100-x2-535.xml').gpus, 'auto', 590);
    assert.equal(volta.flavour, null);
    assert.match(volta.reason, /pinned branch 590 does not support GPU 0 Tesla V100.*pin 580 or older/);
    const blackwell = decideDriverFlavour(capture('rtx-5090-570.xml').gpus, 'auto', 550);
    assert.match(
      blackwell.reason,
      /pinned branch 550 does not support GPU 0 NVIDIA GeForce RTX 5090.*pin 570 or newer/,
    );
    assert.equal(decideDriverFlavour(capture('v100-x2-535.xml').gpus, 'auto', 535).flavour, 'proprietary');
  });

  it('a card named only on the PCI bus (no driver) is judged by its name', () => {
    const d = decideDriverFlavour([{ index: 0, name: 'AD102 [GeForce RTX 4090]' }], 'auto');
    assert.equal(d.flavour, 'open');
  });
});

describe('driver pins against what the repository has', () => {
  const repo = {
    pinningPackages: [
      'nvidia-driver-pinning-580',
      'nvidia-driver-pinning-580.95.05',
      'nvidia-driver-pinning-575',
    ],
    driverVersions: ['580.95.05-1', '580.82.07-1', '575.57.08-1', '550.127.05-0ubuntu1'],
  };
  const table: { pin: string; kind: string; detail: RegExp }[] = [
    { pin: '580', kind: 'pinning-package', detail: /nvidia-driver-pinning-580$/ },
    { pin: '580.95.05', kind: 'pinning-package', detail: /nvidia-driver-pinning-580\.95\.05/ },
    { pin: '550.127', kind: 'apt-preferences', detail: /apt preferences hold the driver at 550\.127\.05/ },
    { pin: '550', kind: 'apt-preferences', detail: /550\.127\.05/ },
    {
      pin: '535',
      kind: 'refused',
      detail:
        /pin 535 matches no driver package.*available: 580\.95\.05, 580\.82\.07, 580, 575\.57\.08, 575, 550\.127\.05/,
    },
    { pin: '550.12', kind: 'refused', detail: /no driver version 550\.12\.\*/ },
  ];
  for (const row of table) {
    it(`${row.pin} → ${row.kind}`, () => {
      const r = resolveDriverPin(row.pin, repo);
      assert.equal(r.kind, row.kind);
      assert.match(r.detail, row.detail);
    });
  }
  it('with no NVIDIA repository configured the pin is left to the step to check', () => {
    assert.equal(resolveDriverPin('580', { pinningPackages: [], driverVersions: [] }).kind, 'unverified');
  });
});

describe('CUDA requirement of an engine image against the driver', () => {
  it('the table of CUDA minimum drivers maps both ways', () => {
    assert.equal(cudaForDriver('535.183.01'), '12.2');
    assert.equal(cudaForDriver('570.133.07'), '12.8');
    assert.equal(cudaForDriver('470.239.06'), '11.4');
    assert.equal(cudaForDriver('390.157'), null);
    assert.equal(minDriverForCuda('12.8'), '570.26');
    assert.equal(minDriverForCuda('12.7'), '570.26');
  });

  it('space-separated alternatives are ORed, comma-separated constraints ANDed', () => {
    const r = parseRequireCuda('cuda>=12.8 brand=tesla,driver>=535,driver<536');
    assert.deepEqual(evaluateRequirement(r, { cuda: '12.2', driver: '535.161.08', brand: 'Tesla' }), {
      satisfied: true,
      viaForwardCompat: true,
      minCuda: '12.8',
    });
    assert.equal(
      evaluateRequirement(r, { cuda: '12.2', driver: '535.161.08', brand: 'GeForce' }).satisfied,
      false,
    );
    assert.equal(
      evaluateRequirement(r, { cuda: '12.8', driver: '570.1', brand: 'GeForce' }).viaForwardCompat,
      false,
    );
    assert.throws(
      () => parseRequireCuda('cuda~12'),
      /cannot read the NVIDIA_REQUIRE_CUDA constraint "cuda~12"/,
    );
  });

  const IMAGE = 'ghcr.io/ggml-org/llama.cpp:server-cuda';
  const fits: { file: string; status: string; detail: RegExp }[] = [
    {
      file: 'rtx-5090-570.xml',
      status: 'ok',
      detail: /driver 570\.133\.07 \(in rtx-5090-570\.xml\) supports CUDA 12\.8/,
    },
    { file: 'h200-570.xml', status: 'ok', detail: /supports CUDA 12\.8/ },
    {
      file: 'rtx-4090-550.xml',
      status: 'fail',
      detail: /needs CUDA 12\.8.*supports CUDA 12\.4: the container toolkit refuses/,
    },
    { file: 'a100-80gb-535.xml', status: 'fail', detail: /supports CUDA 12\.2/ },
    { file: 'v100-x2-535.xml', status: 'fail', detail: /supports CUDA 12\.2/ },
    { file: 'tesla-k80-470.xml', status: 'fail', detail: /supports CUDA 11\.4/ },
    { file: 'mixed-4090-3060-550.xml', status: 'fail', detail: /GPU 0 .*GPU 1 / },
  ];
  for (const row of fits) {
    it(`${IMAGE} on ${row.file} → ${row.status} (the capture's own driver and CUDA)`, () => {
      const c = capture(row.file);
      const fit = checkImageCuda(
        tableRequirement(IMAGE),
        { version: c.driver, cuda: c.cuda, origin: `in ${row.file}` },
        c.gpus,
      );
      assert.equal(fit.status, row.status, fit.detail);
      assert.match(fit.detail, row.detail);
      if (row.status === 'fail') assert.match(fit.fix, /install driver 570\.26 or newer/);
    });
  }

  it('forward compatibility (an image branch clause) passes on datacenter cards only', () => {
    const req = {
      image: 'nvidia/cuda:12.8.1-runtime-ubuntu24.04',
      requireCuda:
        'cuda>=12.8 brand=tesla,driver>=535,driver<536 brand=nvidia,driver>=535,driver<536 brand=geforce,driver>=535,driver<536',
      source: 'image' as const,
    };
    const a100 = capture('a100-80gb-535.xml');
    const dc = checkImageCuda(req, { version: a100.driver, cuda: a100.cuda, origin: 'installed' }, a100.gpus);
    assert.equal(dc.status, 'forward-compat', dc.detail);
    const geforce = capture('rtx-4090-x2-535.xml' as string);
    const consumer = checkImageCuda(
      req,
      { version: geforce.driver, cuda: geforce.cuda, origin: 'installed' },
      geforce.gpus,
    );
    assert.equal(consumer.status, 'fail');
    assert.match(consumer.detail, /forward compatibility, which works only on datacenter GPUs/);
  });

  it('a driver still to be installed: a pinned branch is judged by the newest CUDA that branch supports', () => {
    const gpus = capture('rtx-4090-550.xml').gpus;
    assert.equal(
      checkImageCuda(tableRequirement(IMAGE), { version: '550', cuda: null, origin: 'to be installed' }, gpus)
        .status,
      'fail',
    );
    assert.equal(
      checkImageCuda(tableRequirement(IMAGE), { version: '580', cuda: null, origin: 'to be installed' }, gpus)
        .status,
      'ok',
    );
    assert.equal(
      checkImageCuda(tableRequirement(IMAGE), { version: null, cuda: null, origin: 'to be installed' }, gpus)
        .status,
      'ok',
    );
    assert.equal(
      checkImageCuda(
        tableRequirement('example/unknown:1'),
        { version: '580.1', cuda: null, origin: 'x' },
        gpus,
      ).status,
      'unknown',
    );
  });
});

describe('container toolkit versions with published security fixes', () => {
  it('1.17.8 is the minimum; older versions list the CVEs they are open to', () => {
    assert.equal(MIN_SAFE_TOOLKIT, '1.17.8');
    assert.deepEqual(toolkitOpenCves('1.17.8'), []);
    assert.deepEqual(toolkitOpenCves('1.18.1'), []);
    assert.deepEqual(toolkitOpenCves('1.17.3'), ['CVE-2025-23359', 'CVE-2025-23266', 'CVE-2025-23267']);
    assert.equal(toolkitOpenCves('1.16.1').length, 5);
  });
});

describe('the check ops plan can call with an inventory', () => {
  it("uses the GPUs' reported driver and CUDA, per image", () => {
    const fits = checkImagesForInventory(
      ['ghcr.io/ggml-org/llama.cpp:server-cuda', 'vllm/vllm-openai:v0.11.0'],
      capture('h200-570.xml').gpus,
    );
    assert.deepEqual(
      fits.map((f) => f.status),
      ['ok', 'ok'],
    );
    const old = checkImagesForInventory(['vllm/vllm-openai:v0.11.0'], capture('a100-80gb-535.xml').gpus);
    assert.equal(old[0]?.status, 'fail');
    assert.match(old[0]?.detail ?? '', /reported by nvidia-smi/);
  });
});
