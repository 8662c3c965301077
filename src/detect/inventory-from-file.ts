import { readFile } from 'node:fs/promises';
import { OpsError } from '../core/errors.js';
import { parseNvidiaSmiXml } from './nvidia-smi-xml-parser.js';
import type { Inventory } from './types.js';

/**
 * An Inventory from a saved `nvidia-smi -q -x` file, for planning a machine this process is not on. Only the GPUs
 * are known; CPU, memory, OS and Docker are null.
 */
export async function inventoryFromNvidiaSmiXml(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read nvidia-smi XML file ${file}`, {
      cause,
      exitCode: 2,
      hint: 'pass the path of a file saved with `nvidia-smi -q -x > gpus.xml`',
    });
  }
  const report = parseNvidiaSmiXml(text, file);
  return {
    source: file,
    gpus: report.gpus,
    gpuDetection: { strategy: `nvidia-smi -q -x file ${file}`, tried: [] },
    cpu: null,
    memory: null,
    disks: [],
    os: null,
    docker: null,
  };
}
