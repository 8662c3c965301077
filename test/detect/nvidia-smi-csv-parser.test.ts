import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { parseNvidiaSmiCsv } from '../../src/detect/nvidia-smi-csv-parser.js';
import { readFixture } from './fixtures.js';

describe('parseNvidiaSmiCsv', () => {
  it('reads columns by header name, units stripped, [N/A] as missing', () => {
    const gpus = parseNvidiaSmiCsv(readFixture('rtx-4090-x2-535.csv'), 'x.csv');
    assert.equal(gpus.length, 2);
    const [first, second] = gpus;
    assert.equal(first?.name, 'NVIDIA GeForce RTX 4090');
    assert.equal(first?.vramMiB, 24564);
    assert.equal(first?.driverVersion, '535.183.01');
    assert.equal(first?.cudaVersion, null);
    assert.equal(first?.computeCapability, '8.9');
    assert.equal(first?.pciBusId, '0000:01:00.0');
    assert.equal(first?.migMode, undefined);
    assert.equal(second?.index, 1);
    assert.equal(second?.powerDrawW, 19.87);
    assert.equal(second?.source, 'nvidia-smi-csv');
  });

  it('works without compute_cap (drivers before 510) by inferring it from the name', () => {
    const [gpu] = parseNvidiaSmiCsv(readFixture('rtx-a6000-470.csv'), 'old.csv');
    assert.equal(gpu?.computeCapability, '8.6');
    assert.equal(gpu?.gpuClass, 'workstation');
    assert.equal(gpu?.vramMiB, 48685);
  });

  it('names the source for a row with missing cells and for output without a header', () => {
    const cut = readFixture('rtx-4090-x2-535.csv')
      .split('\n')
      .slice(0, 2)
      .join('\n')
      .replace(/, 8\.9, \[N\/A\]$/, '');
    assert.throws(
      () => parseNvidiaSmiCsv(cut, 'cut.csv'),
      (e: unknown) => e instanceof OpsError && /cut\.csv line 2/.test(e.message),
    );
    assert.throws(
      () => parseNvidiaSmiCsv('0, NVIDIA GeForce RTX 4090, 24564\n', 'bare.csv'),
      (e: unknown) => e instanceof OpsError && /bare\.csv is not nvidia-smi CSV/.test(e.message),
    );
  });
});
