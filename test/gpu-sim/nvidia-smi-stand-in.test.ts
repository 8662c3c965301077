import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { parseNvidiaSmiPower } from '../../src/agent/nvidia-smi-power-sampler.js';
import { CSV_FIELDS, parseNvidiaSmiCsv } from '../../src/detect/nvidia-smi-csv-parser.js';
import { parseNvidiaSmiXml } from '../../src/detect/nvidia-smi-xml-parser.js';

const STAND_IN = join(import.meta.dirname, 'bin', 'nvidia-smi');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');
const exec = promisify(execFile);

async function standIn(fixture: string, ...args: string[]) {
  const env = { ...process.env, OPS_GPU_SIM_XML: join(FIXTURES, fixture) };
  return exec(STAND_IN, args, { env }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

/** The simulated GPU host's nvidia-smi: every answer agrees with the recorded XML report, as read by ops' own parsers. */
describe('the nvidia-smi stand-in', () => {
  for (const fixture of ['rtx-4090-550.xml', 'rtx-4090-x2-535.xml', 'h100-sxm-x8-550.xml']) {
    const report = parseNvidiaSmiXml(readFileSync(join(FIXTURES, fixture), 'utf8'), fixture);

    it(`${fixture}: -q -x is the report; --query-gpu CSV (the detector's fields) gives the same GPUs`, async () => {
      const xml = await standIn(fixture, '-q', '-x');
      assert.deepEqual(parseNvidiaSmiXml(xml.stdout, 'stand-in'), report);
      const csv = await standIn(fixture, `--query-gpu=${CSV_FIELDS.join(',')}`, '--format=csv,nounits');
      assert.equal(csv.code, 0, csv.stderr);
      const gpus = parseNvidiaSmiCsv(csv.stdout, 'stand-in');
      assert.deepEqual(
        gpus.map((g) => [
          g.index,
          g.name,
          g.uuid,
          g.pciBusId,
          g.vramMiB,
          g.driverVersion,
          g.powerLimitW,
          g.powerDrawW,
          g.computeCapability,
        ]),
        report.gpus.map((g) => [
          g.index,
          g.name,
          g.uuid,
          g.pciBusId,
          g.vramMiB,
          g.driverVersion,
          g.powerLimitW,
          g.powerDrawW,
          g.computeCapability,
        ]),
      );
    });

    it(`${fixture}: the agent's power query and -L list every GPU`, async () => {
      const power = await standIn(fixture, '--query-gpu=index,power.draw', '--format=csv,noheader,nounits');
      assert.deepEqual(
        parseNvidiaSmiPower(power.stdout, 0).map((s) => [s.device, s.powerW]),
        report.gpus.map((g) => [`gpu${g.index}`, g.powerDrawW]),
      );
      const list = await standIn(fixture, '-L');
      assert.deepEqual(
        list.stdout.trim().split('\n'),
        report.gpus.map((g) => `GPU ${g.index}: ${g.name} (UUID: ${g.uuid})`),
      );
    });
  }

  it('with units and a header, like nvidia-smi without nounits; -i picks GPUs; the banner names the driver', async () => {
    const r = await standIn(
      'rtx-4090-x2-535.xml',
      '-i',
      '1',
      '--query-gpu=index,memory.total,power.draw',
      '--format=csv',
    );
    assert.equal(r.stdout, 'index, memory.total [MiB], power.draw [W]\n1, 24564 MiB, 21.34 W\n');
    const banner = await standIn('rtx-4090-x2-535.xml');
    assert.match(banner.stdout, /Driver Version: 535\.183\.01 +CUDA Version: 12\.2/);
    assert.equal(banner.stdout.match(/NVIDIA GeForce RTX 4090/g)?.length, 2);
  });

  it('refuses what nvidia-smi refuses: unknown fields, compute_cap before driver 510, bad arguments; no report → exit 9', async () => {
    const unknown = await standIn('rtx-4090-550.xml', '--query-gpu=index,bogus', '--format=csv');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Field "bogus" is not a valid field to query/);
    const old = await standIn('rtx-a6000-470.xml', '--query-gpu=index,compute_cap', '--format=csv');
    assert.equal(old.code, 2);
    assert.equal((await standIn('rtx-4090-550.xml', '--bogus')).code, 2);
    assert.equal((await standIn('no-such-report.xml', '-L')).code, 9);
  });
});
