import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../src/detect/nvidia-smi-xml-parser.js';
import type { GpuInfo } from '../../src/detect/types.js';
import { classify } from '../../src/profiles/classify.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';

const profiles = loadProfiles(defaultProfilesDir({}));
const gpusOf = (name: string): GpuInfo[] =>
  parseNvidiaSmiXml(
    readFileSync(fileURLToPath(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url)), 'utf8'),
    name,
  ).gpus;
const classifyFixture = (name: string) => classify({ gpus: gpusOf(name) }, profiles);

describe('classify: fixtures land where a person would expect', () => {
  const table: [string, string, RegExp][] = [
    ['rtx-4090-550.xml', 'consumer', /1 GPU ≥ 1 → consumer/],
    ['rtx-5090-570.xml', 'consumer', /1 GPU ≥ 1 → consumer/],
    ['rtx-4090-x2-535.xml', 'prosumer', /48 GiB total VRAM ≥ 40 GiB → prosumer/],
    ['rtx-a6000-470.xml', 'prosumer', /48 GiB total VRAM ≥ 40 GiB → prosumer/],
    ['l40s-550.xml', 'enterprise', /datacenter GPU \(NVIDIA L40S\), 45 GiB total VRAM ≥ 40 GiB → enterprise/],
    [
      'a100-80gb-535.xml',
      'enterprise',
      /datacenter GPU \(NVIDIA A100-SXM4-80GB\), 80 GiB total VRAM ≥ 40 GiB → enterprise/,
    ],
    ['a100-80gb-mig-550.xml', 'enterprise', /→ enterprise/],
    ['h100-sxm-x8-550.xml', 'enterprise', /640 GiB total VRAM ≥ 40 GiB → enterprise/],
    ['h200-570.xml', 'enterprise', /→ enterprise/],
    ['mixed-4090-3060-550.xml', 'consumer', /36 GiB total VRAM/],
    ['tesla-k80-470.xml', 'cpu-only', /no usable NVIDIA GPU → cpu-only/],
    ['a100-80gb-mig-empty-550.xml', 'cpu-only', /no usable NVIDIA GPU → cpu-only/],
  ];
  for (const [file, id, reason] of table) {
    it(`${file} → ${id}`, () => {
      const result = classifyFixture(file);
      assert.equal(result.id, id);
      assert.ok(
        result.reasons.some((r) => reason.test(r)),
        `expected a reason matching ${reason}, got:\n${result.reasons.join('\n')}`,
      );
    });
  }

  it('says why the higher profiles were not chosen', () => {
    const { reasons } = classifyFixture('rtx-4090-x2-535.xml');
    assert.ok(reasons.includes('2 usable GPUs: 2× NVIDIA GeForce RTX 4090 (24 GiB each); 48 GiB total VRAM'));
    assert.ok(reasons.includes('not enterprise: no datacenter GPU; 48 GiB total VRAM < 100 GiB'));
  });

  it('gives clean machines no warnings', () => {
    for (const file of [
      'rtx-4090-550.xml',
      'rtx-4090-x2-535.xml',
      'a100-80gb-535.xml',
      'h100-sxm-x8-550.xml',
    ]) {
      assert.deepEqual(classifyFixture(file).warnings, [], file);
    }
  });
});

describe('classify: odd machines get a profile plus warnings', () => {
  it('MIG slices', () => {
    const { warnings } = classifyFixture('a100-80gb-mig-550.xml');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MIG enabled: engines see 3 slice\(s\) \(40192 MiB, 19968 MiB, 19968 MiB\)/);
    assert.match(
      classifyFixture('a100-80gb-mig-empty-550.xml').warnings[0]!,
      /MIG mode with no GPU instances/,
    );
  });

  it('a GPU with no driver', () => {
    const driverless: GpuInfo = {
      index: 0,
      name: 'GeForce RTX 4090',
      uuid: null,
      pciBusId: '0000:01:00.0',
      vramMiB: 0,
      vramUsedMiB: null,
      driverVersion: null,
      cudaVersion: null,
      gpuClass: 'consumer',
      hasDriver: false,
      source: 'pci',
    };
    const result = classify({ gpus: [driverless] }, profiles);
    assert.equal(result.id, 'cpu-only');
    assert.match(
      result.warnings[0]!,
      /GeForce RTX 4090 at 0000:01:00\.0\) is on the PCI bus but no NVIDIA driver/,
    );
  });

  it('a card too old for current CUDA, an old driver, mixed cards', () => {
    assert.match(classifyFixture('tesla-k80-470.xml').warnings[0]!, /compute capability 3\.7/);
    assert.match(
      classifyFixture('rtx-a6000-470.xml').warnings[0]!,
      /driver 470\.199\.02 supports CUDA up to 11\.4/,
    );
    assert.match(
      classifyFixture('mixed-4090-3060-550.xml').warnings[0]!,
      /mixed GPUs \(1× NVIDIA GeForce RTX 4090, 1× NVIDIA GeForce RTX 3060\)/,
    );
  });

  it('no GPU at all is cpu-only without warnings', () => {
    assert.deepEqual(classify({ gpus: [] }, profiles), {
      id: 'cpu-only',
      reasons: [
        'no usable NVIDIA GPU → cpu-only',
        'not enterprise: no datacenter GPU and 0 GiB total VRAM < 40 GiB; 0 GiB total VRAM < 100 GiB',
        'not prosumer: 0 GiB total VRAM < 40 GiB',
        'not consumer: 0 GPUs < 1',
      ],
      warnings: [],
    });
  });

  it('falls back to the lowest-priority profile, with a warning, when edited profiles leave a gap', () => {
    const onlyBig = profiles.filter((p) => p.id === 'enterprise');
    const result = classify({ gpus: [] }, onlyBig);
    assert.equal(result.id, 'enterprise');
    assert.match(result.warnings.at(-1)!, /no profile's rules match this machine/);
  });
});

describe('classify: properties', () => {
  const gpuArb = fc.record({
    name: fc.constantFrom(
      'NVIDIA GeForce RTX 4090',
      'NVIDIA RTX A6000',
      'NVIDIA H100 80GB HBM3',
      'Tesla K80',
      'Mystery GPU',
    ),
    vramMiB: fc.integer({ min: 0, max: 200_000 }),
    hasDriver: fc.boolean(),
    mig: fc.constantFrom(undefined, 'enabled' as const, 'disabled' as const),
    cc: fc.constantFrom(undefined, '3.7', '6.1', '8.9', '9.0'),
    cls: fc.constantFrom(
      'consumer' as const,
      'workstation' as const,
      'datacenter' as const,
      'unknown' as const,
    ),
  });

  it('never throws, always names a shipped profile, and is deterministic', () => {
    fc.assert(
      fc.property(fc.array(gpuArb, { maxLength: 10 }), (specs) => {
        const gpus: GpuInfo[] = specs.map((s, index) => ({
          index,
          name: s.name,
          uuid: null,
          pciBusId: null,
          vramMiB: s.vramMiB,
          vramUsedMiB: null,
          driverVersion: s.hasDriver ? '550.90.07' : null,
          cudaVersion: s.hasDriver ? '12.4' : null,
          ...(s.cc ? { computeCapability: s.cc } : {}),
          gpuClass: s.cls,
          ...(s.mig ? { migMode: s.mig, migDevices: [] } : {}),
          hasDriver: s.hasDriver,
          source: s.hasDriver ? 'nvidia-smi-xml' : 'pci',
        }));
        const first = classify({ gpus }, profiles);
        assert.ok(['cpu-only', 'consumer', 'prosumer', 'enterprise'].includes(first.id));
        assert.ok(first.reasons.some((r) => r.endsWith(`→ ${first.id}`)));
        assert.deepEqual(classify({ gpus }, profiles), first);
      }),
    );
  });

  it('adding VRAM never moves a GPU machine down from prosumer or enterprise to consumer', () => {
    const rank = { 'cpu-only': 0, consumer: 1, prosumer: 2, enterprise: 3 } as Record<string, number>;
    fc.assert(
      fc.property(
        fc.integer({ min: 6, max: 48 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 48 }),
        (gib, n, extra) => {
          const card = (vramGiB: number, index: number): GpuInfo => ({
            index,
            name: 'NVIDIA GeForce RTX 4090',
            uuid: null,
            pciBusId: null,
            vramMiB: vramGiB * 1024,
            vramUsedMiB: null,
            driverVersion: '550.90.07',
            cudaVersion: '12.4',
            gpuClass: 'consumer',
            hasDriver: true,
            source: 'nvidia-smi-xml',
          });
          const base = Array.from({ length: n }, (_, i) => card(gib, i));
          const bigger = [...base, card(extra + 6, n)];
          assert.ok(
            rank[classify({ gpus: bigger }, profiles).id]! >= rank[classify({ gpus: base }, profiles).id]!,
          );
        },
      ),
    );
  });
});
