import type { GpuClass } from './types.js';

/**
 * What the product name says about a card: its market class and compute capability. nvidia-smi's `-q -x` output
 * has no compute-capability field, so it is looked up here. Capabilities are from NVIDIA's table
 * (https://developer.nvidia.com/cuda-gpus); the first matching row wins, so specific patterns come first.
 */
interface CatalogRow {
  pattern: RegExp;
  gpuClass: GpuClass;
  computeCapability: string;
}

const ROWS: CatalogRow[] = [
  // Datacenter (SXM/PCIe accelerators, formerly "Tesla").
  { pattern: /\bG?B(100|200|300)\b/i, gpuClass: 'datacenter', computeCapability: '10.0' },
  { pattern: /\bGH200\b|\bH(100|200|800|20)\b/i, gpuClass: 'datacenter', computeCapability: '9.0' },
  { pattern: /\bL40S?\b|\bL4\b|\bL20\b/i, gpuClass: 'datacenter', computeCapability: '8.9' },
  { pattern: /\bA(100|800|30)\b/i, gpuClass: 'datacenter', computeCapability: '8.0' },
  { pattern: /\bA(40|10G?|16|2)\b/i, gpuClass: 'datacenter', computeCapability: '8.6' },
  { pattern: /\bV100\b/i, gpuClass: 'datacenter', computeCapability: '7.0' },
  { pattern: /\bT4\b/i, gpuClass: 'datacenter', computeCapability: '7.5' },
  { pattern: /\bP100\b/i, gpuClass: 'datacenter', computeCapability: '6.0' },
  { pattern: /\bP(4|40|6)\b/i, gpuClass: 'datacenter', computeCapability: '6.1' },
  { pattern: /\bM(40|60)\b/i, gpuClass: 'datacenter', computeCapability: '5.2' },
  { pattern: /\bK80\b/i, gpuClass: 'datacenter', computeCapability: '3.7' },
  // Workstation ("NVIDIA RTX", formerly Quadro).
  { pattern: /RTX PRO \d{4}.*Blackwell/i, gpuClass: 'workstation', computeCapability: '12.0' },
  { pattern: /RTX \d{4} Ada/i, gpuClass: 'workstation', computeCapability: '8.9' },
  { pattern: /RTX A\d{4}/i, gpuClass: 'workstation', computeCapability: '8.6' },
  { pattern: /Quadro RTX/i, gpuClass: 'workstation', computeCapability: '7.5' },
  { pattern: /Quadro GV100|TITAN V\b/i, gpuClass: 'workstation', computeCapability: '7.0' },
  { pattern: /Quadro P\d+/i, gpuClass: 'workstation', computeCapability: '6.1' },
  { pattern: /Quadro M\d+/i, gpuClass: 'workstation', computeCapability: '5.2' },
  { pattern: /Quadro K\d+/i, gpuClass: 'workstation', computeCapability: '3.0' },
  // Consumer (GeForce, TITAN).
  { pattern: /RTX 50\d0/i, gpuClass: 'consumer', computeCapability: '12.0' },
  { pattern: /RTX 40\d0/i, gpuClass: 'consumer', computeCapability: '8.9' },
  { pattern: /RTX 30\d0/i, gpuClass: 'consumer', computeCapability: '8.6' },
  { pattern: /RTX 20\d0|GTX 16\d0|TITAN RTX/i, gpuClass: 'consumer', computeCapability: '7.5' },
  { pattern: /GTX 10\d0|TITAN Xp?\b/i, gpuClass: 'consumer', computeCapability: '6.1' },
  { pattern: /GTX (9\d0|TITAN X)/i, gpuClass: 'consumer', computeCapability: '5.2' },
  { pattern: /GTX (7\d0|6\d0)/i, gpuClass: 'consumer', computeCapability: '3.0' },
];

/** Class and compute capability for a product name; brand (`<product_brand>`) breaks ties for unknown names. */
export function lookupGpu(
  name: string,
  brand?: string | null,
): { gpuClass: GpuClass; computeCapability?: string } {
  const row = ROWS.find((r) => r.pattern.test(name));
  if (row) return { gpuClass: row.gpuClass, computeCapability: row.computeCapability };
  return { gpuClass: classFromBrand(brand ?? '', name) };
}

function classFromBrand(brand: string, name: string): GpuClass {
  const text = `${brand} ${name}`;
  if (/geforce|titan/i.test(text)) return 'consumer';
  if (/quadro|nvidia rtx|rtx pro/i.test(text)) return 'workstation';
  if (/tesla/i.test(text)) return 'datacenter';
  return 'unknown';
}

/**
 * The lowest compute capability of each architecture, for names the table does not know but whose
 * `<product_architecture>` is printed (drivers 470+).
 */
const ARCHITECTURE_CC: Record<string, string> = {
  kepler: '3.0',
  maxwell: '5.0',
  pascal: '6.0',
  volta: '7.0',
  turing: '7.5',
  ampere: '8.0',
  'ada lovelace': '8.9',
  hopper: '9.0',
  blackwell: '10.0',
};

export function computeCapabilityOfArchitecture(architecture: string | null | undefined): string | undefined {
  return architecture ? ARCHITECTURE_CC[architecture.trim().toLowerCase()] : undefined;
}

/** `8.9` → 8.9 as a comparable number (major + minor/10; minors are single digits in every CUDA release). */
export function computeCapabilityValue(cc: string): number {
  const [major, minor] = cc.split('.');
  return Number(major) + Number(minor ?? 0) / 10;
}
