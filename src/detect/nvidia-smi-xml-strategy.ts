import { type CommandRunner, runCommand } from './command-runner.js';
import type { GpuDetectionOutcome, GpuDetectionStrategy } from './gpu-detection-strategy.js';
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
    if (result.notFound) return { applies: false, reason: 'nvidia-smi is not installed (no NVIDIA driver)' };
    if (result.timedOut)
      return { applies: false, reason: `nvidia-smi did not answer within ${this.timeoutMs / 1000} s` };
    if (result.exitStatus !== 0) {
      // e.g. "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" (driver not loaded).
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
      return {
        applies: false,
        reason: `nvidia-smi -q -x exited with ${result.exitStatus ?? 'a signal'}: ${said}`,
      };
    }
    try {
      const report = parseNvidiaSmiXml(result.stdout, 'the output of `nvidia-smi -q -x`');
      if (report.gpus.length === 0) return { applies: false, reason: 'nvidia-smi reports no GPUs' };
      return { applies: true, gpus: report.gpus };
    } catch (error) {
      // Unparseable output on this driver: let the CSV strategy try.
      return { applies: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
