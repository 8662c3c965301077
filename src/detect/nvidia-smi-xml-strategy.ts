import { type CommandRunner, runCommand } from './command-runner.js';
import type { GpuDetectionOutcome, GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { nvidiaSmiOutcome } from './nvidia-smi-outcome.js';
import { parseNvidiaSmiXml } from './nvidia-smi-xml-parser.js';

/** Asks the driver for its full report (`nvidia-smi -q -x`): the richest source, preferred when it works. */
export class NvidiaSmiXmlStrategy implements GpuDetectionStrategy {
  readonly name = 'nvidia-smi -q -x';

  constructor(
    private readonly run: CommandRunner = runCommand,
    private readonly timeoutMs = 30_000,
  ) {}

  async detect(): Promise<GpuDetectionOutcome> {
    const result = await this.run('nvidia-smi', ['-q', '-x'], { timeoutMs: this.timeoutMs });
    // Unparseable output on this driver is a "does not apply": the CSV strategy tries next.
    return nvidiaSmiOutcome(
      result,
      'nvidia-smi -q -x',
      this.timeoutMs,
      (stdout) => parseNvidiaSmiXml(stdout, 'the output of `nvidia-smi -q -x`').gpus,
    );
  }
}
