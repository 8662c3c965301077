import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { parseNvidiaSmiXml } from '../../src/detect/nvidia-smi-xml-parser.js';
import { readFixture } from './fixtures.js';

const parse = (name: string) => parseNvidiaSmiXml(readFixture(name), name);

describe('parseNvidiaSmiXml on fixtures from several drivers', () => {
  const cases = [
    {
      file: 'rtx-4090-550.xml',
      count: 1,
      name: 'NVIDIA GeForce RTX 4090',
      vramMiB: 24564,
      driver: '550.54.14',
      cuda: '12.4',
      cc: '8.9',
      limitW: 450,
      drawW: 21.34,
      gpuClass: 'consumer',
    },
    {
      file: 'rtx-4090-x2-535.xml',
      count: 2,
      name: 'NVIDIA GeForce RTX 4090',
      vramMiB: 24564,
      driver: '535.183.01',
      cuda: '12.2',
      cc: '8.9',
      limitW: 450,
      drawW: 21.34,
      gpuClass: 'consumer',
    },
    {
      file: 'rtx-5090-570.xml',
      count: 1,
      name: 'NVIDIA GeForce RTX 5090',
      vramMiB: 32607,
      driver: '570.133.07',
      cuda: '12.8',
      cc: '12.0',
      limitW: 575,
      drawW: 31.87,
      gpuClass: 'consumer',
    },
    {
      file: 'rtx-a6000-470.xml',
      count: 1,
      name: 'NVIDIA RTX A6000',
      vramMiB: 48685,
      driver: '470.199.02',
      cuda: '11.4',
      cc: '8.6',
      limitW: 300,
      drawW: 23.61,
      gpuClass: 'workstation',
    },
    {
      file: 'l40s-550.xml',
      count: 1,
      name: 'NVIDIA L40S',
      vramMiB: 46068,
      driver: '550.127.05',
      cuda: '12.4',
      cc: '8.9',
      limitW: 350,
      drawW: 33.18,
      gpuClass: 'datacenter',
    },
    {
      file: 'a100-80gb-535.xml',
      count: 1,
      name: 'NVIDIA A100-SXM4-80GB',
      vramMiB: 81920,
      driver: '535.161.08',
      cuda: '12.2',
      cc: '8.0',
      limitW: 400,
      drawW: 62.47,
      gpuClass: 'datacenter',
    },
    {
      file: 'h100-sxm-x8-550.xml',
      count: 8,
      name: 'NVIDIA H100 80GB HBM3',
      vramMiB: 81559,
      driver: '550.90.07',
      cuda: '12.4',
      cc: '9.0',
      limitW: 700,
      drawW: 71.93,
      gpuClass: 'datacenter',
    },
    {
      file: 'h200-570.xml',
      count: 1,
      name: 'NVIDIA H200',
      vramMiB: 143771,
      driver: '570.124.06',
      cuda: '12.8',
      cc: '9.0',
      limitW: 700,
      drawW: 78.3,
      gpuClass: 'datacenter',
    },
    {
      file: 'tesla-k80-470.xml',
      count: 2,
      name: 'Tesla K80',
      vramMiB: 11441,
      driver: '470.239.06',
      cuda: '11.4',
      cc: '3.7',
      limitW: 149,
      drawW: 27.12,
      gpuClass: 'datacenter',
    },
  ];
  for (const c of cases) {
    it(`${c.file}: ${c.count}× ${c.name}`, () => {
      const report = parse(c.file);
      assert.equal(report.driverVersion, c.driver);
      assert.equal(report.cudaVersion, c.cuda);
      assert.equal(report.gpus.length, c.count);
      const gpu = report.gpus[0]!;
      assert.equal(gpu.name, c.name);
      assert.equal(gpu.vramMiB, c.vramMiB);
      assert.equal(gpu.driverVersion, c.driver);
      assert.equal(gpu.computeCapability, c.cc);
      assert.equal(gpu.powerLimitW, c.limitW);
      assert.equal(gpu.powerDrawW, c.drawW);
      assert.equal(gpu.gpuClass, c.gpuClass);
      assert.equal(gpu.hasDriver, true);
      assert.match(gpu.uuid ?? '', /^GPU-[0-9a-f]{8}-/);
      assert.match(gpu.pciBusId ?? '', /^0000:[0-9a-f]{2}:00\.0$/);
      assert.deepEqual(
        report.gpus.map((g) => g.index),
        [...Array(c.count).keys()],
      );
    });
  }

  it('reads MIG mode and every slice with its memory', () => {
    const [gpu] = parse('a100-80gb-mig-550.xml').gpus;
    assert.equal(gpu?.migMode, 'enabled');
    assert.deepEqual(
      gpu?.migDevices?.map((d) => [d.index, d.gpuInstanceId, d.vramMiB, d.multiprocessorCount]),
      [
        [0, 1, 40192, 42],
        [1, 5, 19968, 28],
        [2, 6, 19968, 28],
      ],
    );
    assert.equal(parse('a100-80gb-535.xml').gpus[0]?.migMode, 'disabled');
    assert.deepEqual(parse('a100-80gb-mig-empty-550.xml').gpus[0]?.migDevices, []);
    assert.equal(
      parse('rtx-4090-550.xml').gpus[0]?.migMode,
      undefined,
      'N/A on consumer cards means no MIG field',
    );
  });

  it('reads the NVLink fabric state where shown and its absence elsewhere', () => {
    const h100 = parse('h100-sxm-x8-550.xml').gpus[3]!;
    assert.deepEqual(h100.nvlink, { state: 'Completed', status: 'Success', cliqueId: '32766' });
    assert.equal(parse('rtx-4090-550.xml').gpus[0]?.nvlink, undefined);
    assert.equal(parse('rtx-a6000-470.xml').gpus[0]?.nvlink, undefined);
  });

  it('keeps distinct UUIDs and PCI bus ids for the 8 GPUs of an HGX board', () => {
    const gpus = parse('h100-sxm-x8-550.xml').gpus;
    assert.equal(new Set(gpus.map((g) => g.uuid)).size, 8);
    assert.deepEqual(
      gpus.map((g) => g.pciBusId),
      ['18', '2a', '3a', '5d', '9a', 'ab', 'ba', 'db'].map((b) => `0000:${b}:00.0`),
    );
  });
});

describe('parseNvidiaSmiXml on bad input', () => {
  const expectError = (text: string, pattern: RegExp) => {
    assert.throws(
      () => parseNvidiaSmiXml(text, 'saved.xml'),
      (error: unknown) =>
        error instanceof OpsError && error.message.startsWith('saved.xml') && pattern.test(error.message),
    );
  };

  it('names the file and says "truncated" for a cut-off document', () => {
    expectError(readFixture('truncated-h100-x8.xml'), /truncated/);
    expectError(
      readFixture('rtx-4090-550.xml').slice(0, 3000),
      /ends before closing <nvidia_smi_log> > <gpu>/,
    );
  });

  it('refuses empty text, text that is not XML and XML of another kind', () => {
    expectError('', /empty/);
    expectError(
      'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.',
      /not well-formed/,
    );
    expectError('<?xml version="1.0"?><report/>', /no <nvidia_smi_log>/);
  });

  it('refuses a document whose GPU count disagrees with attached_gpus', () => {
    const text = readFixture('rtx-4090-550.xml').replace('<attached_gpus>1<', '<attached_gpus>2<');
    expectError(text, /says 2 GPU\(s\) are attached but describes 1/);
  });

  it('skips a plain-text error line printed before the XML declaration', () => {
    const text = `Unable to determine the device handle for GPU0000:41:00.0: Unknown Error\n${readFixture('rtx-4090-550.xml')}`;
    assert.equal(parseNvidiaSmiXml(text, 'noisy.xml').gpus.length, 1);
  });

  it('treats N/A, [Not Supported] and deprecated placeholders as missing readings', () => {
    const text = readFixture('rtx-4090-550.xml')
      .replace(/<instant_power_draw>[^<]*</, '<instant_power_draw>N/A<')
      .replace(/<average_power_draw>[^<]*</, '<average_power_draw>[Not Supported]<')
      .replace(
        /<current_power_limit>[^<]*</,
        '<current_power_limit>Requested functionality has been deprecated<',
      )
      .replace(/<uuid>[^<]*</, '<uuid>N/A<');
    const gpu = parseNvidiaSmiXml(text, 'x.xml').gpus[0]!;
    assert.equal(gpu.powerDrawW, undefined);
    assert.equal(gpu.powerLimitW, undefined);
    assert.equal(gpu.uuid, null);
  });
});
