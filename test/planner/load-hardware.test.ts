import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { lookupGpuSpec } from '../../src/planner/gpu-bandwidth.js';
import { loadHardwareSpec, parseHardwareSpec } from '../../src/planner/load-hardware.js';
import { catalog } from './helpers.js';

const examples = fileURLToPath(new URL('../../hardware-profiles/examples', import.meta.url));

describe('hardware specs', () => {
  it('the examples load', () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('2x-rtx-4090.yaml') && files.includes('3x-rtx-3090.yaml'));
    for (const f of files) assert.ok(loadHardwareSpec(join(examples, f)).gpus.length > 0);
  });

  it('reports every problem with its path', () => {
    assert.throws(
      () =>
        parseHardwareSpec({
          gpus: [
            { index: 0, name: 'x', vramMiB: -1 },
            { index: 0, name: 'y', vramMiB: 1, computeCapability: '86' },
          ],
          cpuCores: 4,
        }),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        const paths = e.problems.map((p) => p.path);
        assert.ok(
          paths.includes('gpus[0].vramMiB') &&
            paths.includes('gpus[1].computeCapability') &&
            paths.includes('ramMiB'),
          paths.join(', '),
        );
        return true;
      },
    );
    assert.throws(
      () =>
        parseHardwareSpec({
          gpus: [
            { index: 1, name: 'x', vramMiB: 1 },
            { index: 1, name: 'y', vramMiB: 1 },
          ],
          ramMiB: 1,
          cpuCores: 1,
        }),
      /GPU index 1 is listed twice/,
    );
  });

  it('looks GPU bandwidth up by the longest matching name', () => {
    assert.equal(lookupGpuSpec('NVIDIA GeForce RTX 3090 Ti', catalog.gpus)?.bandwidthGBs, 1008);
    assert.equal(lookupGpuSpec('NVIDIA GeForce RTX 3090', catalog.gpus)?.bandwidthGBs, 936);
    assert.equal(lookupGpuSpec('NVIDIA H100 80GB HBM3', catalog.gpus)?.bandwidthGBs, 3350);
    assert.equal(lookupGpuSpec('NVIDIA L40S', catalog.gpus)?.name, 'NVIDIA L40S');
    assert.equal(lookupGpuSpec('Some Future GPU', catalog.gpus), undefined);
  });
});
