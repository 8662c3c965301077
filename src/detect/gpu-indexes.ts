import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Indexes of the NVIDIA GPUs the driver sees (`nvidia-smi --query-gpu=index`); empty when there is no driver or
 * no GPU. Plan validation uses it to refuse GPU requests the machine cannot satisfy.
 */
export async function detectGpuIndexes(): Promise<number[]> {
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { timeout: 15_000 });
    return stdout
      .split('\n')
      .map((l) => Number.parseInt(l.trim(), 10))
      .filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
}
