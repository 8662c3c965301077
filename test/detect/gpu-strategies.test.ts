import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { CommandResult, CommandRunner } from '../../src/detect/command-runner.js';
import type { GpuDetectionStrategy } from '../../src/detect/gpu-detection-strategy.js';
import { detectGpus } from '../../src/detect/gpu-strategies.js';
import { NvidiaSmiCsvStrategy } from '../../src/detect/nvidia-smi-csv-strategy.js';
import { NvidiaSmiXmlStrategy } from '../../src/detect/nvidia-smi-xml-strategy.js';
import { type GraphicsController, PciGraphicsStrategy } from '../../src/detect/pci-graphics-strategy.js';
import { readFixture } from './fixtures.js';

const ok = (stdout: string): CommandResult => ({
  exitStatus: 0,
  stdout,
  stderr: '',
  notFound: false,
  timedOut: false,
});
const missing: CommandResult = { exitStatus: null, stdout: '', stderr: '', notFound: true, timedOut: false };
const failed = (stdout: string, exitStatus = 9): CommandResult => ({
  exitStatus,
  stdout,
  stderr: '',
  notFound: false,
  timedOut: false,
});

/** A runner that answers from a table keyed by the first argument, and records the calls. */
function fakeRunner(answers: Record<string, CommandResult>): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const runner = async (file: string, args: string[]) => {
    calls.push([file, ...args]);
    const key = args[0]?.startsWith('--query-gpu')
      ? args[0].includes('compute_cap')
        ? 'csv'
        : 'csv-base'
      : 'xml';
    return answers[key] ?? missing;
  };
  return Object.assign(runner, { calls });
}

const noDriverControllers = JSON.parse(
  readFixture('graphics-controllers-no-driver.json'),
) as GraphicsController[];

describe('GPU detection strategies', () => {
  it('the XML strategy answers with the GPUs of nvidia-smi -q -x', async () => {
    const runner = fakeRunner({ xml: ok(readFixture('h100-sxm-x8-550.xml')) });
    const outcome = await new NvidiaSmiXmlStrategy(runner).detect();
    assert.equal(outcome.applies && outcome.gpus.length, 8);
    assert.deepEqual(runner.calls, [['nvidia-smi', '-q', '-x']]);
  });

  it('a missing nvidia-smi means "does not apply", not an error', async () => {
    const outcome = await new NvidiaSmiXmlStrategy(fakeRunner({})).detect();
    assert.deepEqual(outcome, { applies: false, reason: 'nvidia-smi is not installed (no NVIDIA driver)' });
  });

  it('a failing nvidia-smi says what it printed', async () => {
    const said = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.";
    const outcome = await new NvidiaSmiXmlStrategy(fakeRunner({ xml: failed(said) })).detect();
    assert.equal(outcome.applies, false);
    assert.match(!outcome.applies ? outcome.reason : '', /exited with 9: NVIDIA-SMI has failed/);
  });

  it('the CSV strategy retries without compute_cap when an old driver refuses the field', async () => {
    const runner = fakeRunner({
      csv: failed('Field "compute_cap" is not a valid field to query.', 2),
      'csv-base': ok(readFixture('rtx-a6000-470.csv')),
    });
    const outcome = await new NvidiaSmiCsvStrategy(runner).detect();
    assert.equal(outcome.applies && outcome.gpus[0]?.name, 'NVIDIA RTX A6000');
    assert.equal(runner.calls.length, 2);
  });

  it('the PCI strategy sees an NVIDIA card with no driver (vendor 10de) and skips other vendors', async () => {
    const outcome = await new PciGraphicsStrategy(async () => noDriverControllers).detect();
    assert.ok(outcome.applies);
    assert.equal(outcome.gpus.length, 1);
    const [gpu] = outcome.gpus;
    assert.equal(gpu?.name, 'GeForce RTX 4090');
    assert.equal(gpu?.hasDriver, false);
    assert.equal(gpu?.driverVersion, null);
    assert.equal(gpu?.pciBusId, '0000:01:00.0');
    assert.equal(gpu?.source, 'pci');
    const byId = await new PciGraphicsStrategy(async () => [
      { vendor: '', vendorId: '10de', model: '', deviceId: '0x2330', busAddress: '0000:18:00.0' },
    ]).detect();
    assert.equal(byId.applies && byId.gpus[0]?.name, 'NVIDIA GPU [10de:2330]');
  });

  it('detectGpus takes the first strategy that applies and lists the ones tried before it', async () => {
    const runner = fakeRunner({ csv: ok(readFixture('rtx-4090-x2-535.csv')) });
    const { gpus, detection } = await detectGpus([
      new NvidiaSmiXmlStrategy(runner),
      new NvidiaSmiCsvStrategy(runner),
      new PciGraphicsStrategy(async () => noDriverControllers),
    ]);
    assert.equal(gpus.length, 2);
    assert.equal(detection.strategy, 'nvidia-smi --query-gpu');
    assert.deepEqual(
      detection.tried.map((t) => t.strategy),
      ['nvidia-smi -q -x'],
    );
  });

  it('detectGpus falls through to PCI when there is no driver, and to nothing when there is no card', async () => {
    const noDriver = await detectGpus([
      new NvidiaSmiXmlStrategy(fakeRunner({})),
      new NvidiaSmiCsvStrategy(fakeRunner({})),
      new PciGraphicsStrategy(async () => noDriverControllers),
    ]);
    assert.equal(noDriver.detection.strategy, 'PCI graphics controllers');
    assert.equal(noDriver.gpus[0]?.hasDriver, false);
    const none = await detectGpus([
      new NvidiaSmiXmlStrategy(fakeRunner({})),
      new PciGraphicsStrategy(async () => []),
    ]);
    assert.deepEqual(none.gpus, []);
    assert.equal(none.detection.strategy, null);
    assert.equal(none.detection.tried.length, 2);
  });

  it('a strategy that throws is recorded and the next one is tried', async () => {
    const broken: GpuDetectionStrategy = {
      name: 'broken',
      detect: async () => {
        throw new Error('boom');
      },
    };
    const { detection } = await detectGpus([
      broken,
      new PciGraphicsStrategy(async () => noDriverControllers),
    ]);
    assert.equal(detection.strategy, 'PCI graphics controllers');
    assert.deepEqual(detection.tried, [{ strategy: 'broken', reason: 'failed: boom' }]);
  });
});
