import { OpsError } from '../core/errors.js';
import { compareVersions } from './cuda-driver-table.js';

/**
 * An image's `NVIDIA_REQUIRE_CUDA`, as the NVIDIA Container Toolkit reads it ("Specialized Configurations with
 * Docker", Constraints: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html):
 * constraints `cuda`, `driver`, `arch`, `brand`; space-separated alternatives are ORed, comma-separated constraints
 * inside one are ANDed. NVIDIA's CUDA images write e.g. `cuda>=12.8 brand=tesla,driver>=535,driver<536 …`: the
 * `cuda>=` alternative is the normal rule, the `brand,driver` ones let listed datacenter driver branches run it
 * through CUDA forward compatibility (the image's cuda-compat package).
 */
export interface Constraint {
  key: 'cuda' | 'driver' | 'arch' | 'brand';
  op: '>=' | '<=' | '>' | '<' | '=';
  value: string;
}
export type Requirement = Constraint[][];

/** What the requirement is checked against, for one GPU. */
export interface RequirementSubject {
  /** The highest CUDA version the driver supports (nvidia-smi's `CUDA Version`). */
  cuda: string;
  driver: string;
  /** Compute capability, `8.9`. */
  arch?: string;
  /** nvidia-smi's product brand as the toolkit names it: `tesla`, `geforce`, `nvidia`, `nvidiartx`, … */
  brand?: string;
}

const CONSTRAINT = /^(cuda|driver|arch|brand)(>=|<=|>|<|=)(.+)$/;

/** Parses the variable's value (pure); an unknown constraint is an error naming it. */
export function parseRequireCuda(text: string): Requirement {
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((alternative) =>
      alternative.split(',').map((part) => {
        const m = CONSTRAINT.exec(part.trim().toLowerCase());
        if (!m) {
          throw new OpsError(`cannot read the NVIDIA_REQUIRE_CUDA constraint "${part}"`, {
            exitCode: 2,
            hint: 'constraints look like cuda>=12.4, driver>=535, brand=tesla, arch>=7.0',
          });
        }
        return { key: m[1] as Constraint['key'], op: m[2] as Constraint['op'], value: m[3] as string };
      }),
    );
}

/** The toolkit's brand name for nvidia-smi's `<product_brand>` (`NVIDIA RTX` → `nvidiartx`). */
export function toolkitBrand(productBrand: string | undefined): string {
  return (productBrand ?? 'unknown').toLowerCase().replace(/\s+/g, '') || 'unknown';
}

function holds(c: Constraint, s: RequirementSubject): boolean {
  if (c.key === 'brand') return c.op === '=' ? toolkitBrand(s.brand) === c.value : false;
  const actual = c.key === 'cuda' ? s.cuda : c.key === 'driver' ? s.driver : s.arch;
  if (!actual) return false;
  const d = compareVersions(actual, c.value);
  switch (c.op) {
    case '>=':
      return d >= 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '<':
      return d < 0;
    default:
      return d === 0;
  }
}

/** Which alternative lets the container start, if any: the `cuda` one, or a forward-compatibility branch. */
export function evaluateRequirement(
  requirement: Requirement,
  subject: RequirementSubject,
): { satisfied: boolean; viaForwardCompat: boolean; minCuda: string | null } {
  const minCuda =
    requirement.flat().find((c) => c.key === 'cuda' && (c.op === '>=' || c.op === '>'))?.value ?? null;
  const passing = requirement.filter((alternative) => alternative.every((c) => holds(c, subject)));
  if (requirement.length === 0) return { satisfied: true, viaForwardCompat: false, minCuda };
  const direct = passing.some((alt) => alt.some((c) => c.key === 'cuda'));
  return { satisfied: passing.length > 0, viaForwardCompat: passing.length > 0 && !direct, minCuda };
}
