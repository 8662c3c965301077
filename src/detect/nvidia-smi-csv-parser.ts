import { OpsError } from '../core/errors.js';
import { lookupGpu } from './gpu-catalog.js';
import { normalizePciBusId, readInt, readMiB, readNumber, readText } from './nvidia-smi-values.js';
import type { GpuInfo } from './types.js';

/**
 * The fields the CSV fallback asks for. `compute_cap` exists only on drivers 510+ (older ones reject the whole
 * query), so the strategy retries with BASE_CSV_FIELDS when it is refused.
 */
export const CSV_FIELDS = [
  'index',
  'name',
  'uuid',
  'pci.bus_id',
  'memory.total',
  'memory.used',
  'driver_version',
  'power.limit',
  'power.draw',
  'compute_cap',
  'mig.mode.current',
] as const;
export const BASE_CSV_FIELDS = CSV_FIELDS.filter((f) => f !== 'compute_cap' && f !== 'mig.mode.current');

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv[,nounits]` output, header line included: columns are matched by
 * header name (units in brackets are dropped), so any subset or order of CSV_FIELDS works.
 */
export function parseNvidiaSmiCsv(text: string, sourceName: string): GpuInfo[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const header = lines.shift();
  if (header === undefined) return [];
  const columns = splitRow(header).map((h) => h.replace(/\s*\[[^\]]*\]$/, '').trim());
  if (!columns.includes('name') || !columns.includes('memory.total')) {
    throw new OpsError(
      `${sourceName} is not nvidia-smi CSV with a header (no "name" and "memory.total" columns)`,
      {
        exitCode: 2,
        hint: 'produce it with `nvidia-smi --query-gpu=name,memory.total,uuid,driver_version --format=csv`',
      },
    );
  }
  return lines.map((line, row) => {
    const cells = splitRow(line);
    if (cells.length !== columns.length) {
      throw new OpsError(
        `${sourceName} line ${row + 2} has ${cells.length} values for ${columns.length} columns; the output looks truncated`,
        { exitCode: 2 },
      );
    }
    const get = (field: string) => cells[columns.indexOf(field)];
    const name = readText(get('name')) ?? 'unknown NVIDIA GPU';
    const known = lookupGpu(name);
    const computeCapability = readText(get('compute_cap')) ?? known.computeCapability;
    const mig = readText(get('mig.mode.current'));
    const powerLimitW = readNumber(get('power.limit'));
    const powerDrawW = readNumber(get('power.draw'));
    const gpu: GpuInfo = {
      index: readInt(get('index')) ?? row,
      name,
      uuid: readText(get('uuid')),
      pciBusId: normalizePciBusId(get('pci.bus_id')),
      vramMiB: readMiB(get('memory.total')) ?? 0,
      vramUsedMiB: readMiB(get('memory.used')),
      driverVersion: readText(get('driver_version')),
      // `--query-gpu` has no field for the driver's CUDA version.
      cudaVersion: null,
      ...(computeCapability ? { computeCapability } : {}),
      gpuClass: known.gpuClass,
      ...(powerLimitW !== null ? { powerLimitW } : {}),
      ...(powerDrawW !== null ? { powerDrawW } : {}),
      ...(mig ? { migMode: /^enabled$/i.test(mig) ? ('enabled' as const) : ('disabled' as const) } : {}),
      hasDriver: true,
      source: 'nvidia-smi-csv',
    };
    return gpu;
  });
}

function splitRow(line: string): string[] {
  return line.split(',').map((cell) => cell.trim());
}
