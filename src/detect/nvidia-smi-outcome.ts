import type { CommandResult } from './command-runner.js';
import type { GpuDetectionOutcome } from './gpu-detection-strategy.js';
import type { GpuInfo } from './types.js';

/**
 * What an nvidia-smi run means for a detection strategy, the same for its XML report and its CSV query: why it does
 * not apply (not installed, no answer in time, a failed run, no GPUs, output it cannot read: the next strategy
 * tries), or the GPUs.
 */
export function nvidiaSmiOutcome(
  result: CommandResult,
  command: string,
  timeoutMs: number,
  parse: (stdout: string) => GpuInfo[],
): GpuDetectionOutcome {
  if (result.notFound) return { applies: false, reason: 'nvidia-smi is not installed (no NVIDIA driver)' };
  if (result.timedOut)
    return { applies: false, reason: `nvidia-smi did not answer within ${timeoutMs / 1000} s` };
  if (result.exitStatus !== 0) {
    // e.g. "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" (driver not loaded).
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
    return { applies: false, reason: `${command} exited with ${result.exitStatus ?? 'a signal'}: ${said}` };
  }
  try {
    const gpus = parse(result.stdout);
    return gpus.length === 0
      ? { applies: false, reason: 'nvidia-smi reports no GPUs' }
      : { applies: true, gpus };
  } catch (error) {
    return { applies: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
