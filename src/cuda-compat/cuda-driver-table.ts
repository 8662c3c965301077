/**
 * The lowest Linux x86_64 driver each CUDA release needs, from the CUDA Toolkit release notes, table "CUDA Toolkit
 * and Corresponding Driver Versions" (GA rows): https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/ (and the
 * archived notes per release under https://docs.nvidia.com/cuda/archive/). A driver supports every CUDA release whose
 * minimum it meets; that is the `CUDA Version` nvidia-smi prints and what the container toolkit compares a
 * `cuda>=` requirement against. Newest first.
 */
export const CUDA_MIN_DRIVER: readonly { cuda: string; driver: string }[] = [
  { cuda: '13.0', driver: '580.65.06' },
  { cuda: '12.9', driver: '575.51.03' },
  { cuda: '12.8', driver: '570.26' },
  { cuda: '12.6', driver: '560.28.03' },
  { cuda: '12.5', driver: '555.42.02' },
  { cuda: '12.4', driver: '550.54.14' },
  { cuda: '12.3', driver: '545.23.06' },
  { cuda: '12.2', driver: '535.54.03' },
  { cuda: '12.1', driver: '530.30.02' },
  { cuda: '12.0', driver: '525.60.13' },
  { cuda: '11.8', driver: '520.61.05' },
  { cuda: '11.7', driver: '515.43.04' },
  { cuda: '11.6', driver: '510.39.01' },
  { cuda: '11.5', driver: '495.29.05' },
  { cuda: '11.4', driver: '470.42.01' },
];

/** Compares dotted versions numerically (`570.26` < `570.133.07`; missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The highest CUDA version a driver supports by the table, or null for a driver older than the table. */
export function cudaForDriver(driverVersion: string): string | null {
  return CUDA_MIN_DRIVER.find((row) => compareVersions(driverVersion, row.driver) >= 0)?.cuda ?? null;
}

/** The lowest driver for a CUDA version (`12.4` → `550.54.14`); a version between rows takes the next one up. */
export function minDriverForCuda(cuda: string): string | null {
  const rows = [...CUDA_MIN_DRIVER].reverse();
  return rows.find((row) => compareVersions(row.cuda, cuda) >= 0)?.driver ?? null;
}

/** A driver branch (`550`) as the driver version its first release would have, for comparisons. */
export function branchOf(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}
