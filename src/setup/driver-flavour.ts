import { computeCapabilityValue, lookupGpu } from '../detect/gpu-catalog.js';

/**
 * Which kernel modules a box's GPUs can use, from each card's compute capability. NVIDIA driver installation guide,
 * "Kernel Modules" (https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/kernel-modules.html): since
 * 515 two flavours ship; the proprietary one "is required for older GPUs from the Maxwell, Pascal, or Volta
 * architectures", the open one is "only for Turing and newer", and from 560 open is the default. Blackwell is
 * supported by the open modules only (the same guide's Blackwell note; the r620 guide ships open modules alone).
 * Branch limits: Maxwell, Pascal and Volta are supported up to the 580 branch (NVIDIA's 580 driver is the last one
 * for them; CUDA 13.0 dropped them too); Kepler's last branch is 470 and CUDA 12 dropped it (CUDA 12.0 release
 * notes), so ops installs nothing for it. Blackwell needs CUDA 12.8's driver, 570 or newer (CUDA 12.8 release notes).
 */
export type DriverFlavour = 'open' | 'proprietary';

export interface FlavourGpu {
  index: number;
  name: string;
  computeCapability?: string;
}

export type GpuGeneration = 'kepler-or-older' | 'maxwell-pascal-volta' | 'turing-to-hopper' | 'blackwell';

export interface GpuDriverNeed {
  index: number;
  name: string;
  computeCapability: string | null;
  generation: GpuGeneration | null;
  /** What this card alone allows. */
  flavours: DriverFlavour[];
  maxBranch?: number;
  minBranch?: number;
}

export interface FlavourDecision {
  /** null: no flavour serves every card (or nothing ops installs serves them); `reason` says why. */
  flavour: DriverFlavour | null;
  reason: string;
  perGpu: GpuDriverNeed[];
  /** Highest branch every card is supported by (580 with a Volta), if any. */
  maxBranch?: number;
  /** Lowest branch every card needs (570 with a Blackwell), if any. */
  minBranch?: number;
  /** Cards set aside (Kepler): CUDA 12 engines cannot use them. */
  ignored: string[];
}

const LAST_BRANCH_MAXWELL_PASCAL_VOLTA = 580;
const FIRST_BRANCH_BLACKWELL = 570;

export function generationOf(cc: string | null): GpuGeneration | null {
  if (!cc) return null;
  const v = computeCapabilityValue(cc);
  if (v < 5) return 'kepler-or-older';
  if (v < 7.5) return 'maxwell-pascal-volta';
  if (v < 10) return 'turing-to-hopper';
  return 'blackwell';
}

function needOf(gpu: FlavourGpu): GpuDriverNeed {
  const cc = gpu.computeCapability ?? lookupGpu(gpu.name).computeCapability ?? null;
  const generation = generationOf(cc);
  const base = { index: gpu.index, name: gpu.name, computeCapability: cc, generation };
  switch (generation) {
    case 'kepler-or-older':
      return { ...base, flavours: [], maxBranch: 470 };
    case 'maxwell-pascal-volta':
      return { ...base, flavours: ['proprietary'], maxBranch: LAST_BRANCH_MAXWELL_PASCAL_VOLTA };
    case 'turing-to-hopper':
      return { ...base, flavours: ['open', 'proprietary'] };
    case 'blackwell':
      return { ...base, flavours: ['open'], minBranch: FIRST_BRANCH_BLACKWELL };
    default:
      return { ...base, flavours: ['open', 'proprietary'] };
  }
}

const label = (n: GpuDriverNeed) =>
  `GPU ${n.index} ${n.name}${n.computeCapability ? ` (compute capability ${n.computeCapability})` : ''}`;

/**
 * The flavour for a box (pure): `auto` picks open where every card supports it (NVIDIA's default since 560) and
 * proprietary when a Maxwell/Pascal/Volta card needs it; an explicit choice is kept only if every card supports it;
 * a pinned branch must lie within what every card supports. Mixed boxes get the one flavour all cards share, or a
 * refusal that names the cards that cannot share one driver.
 */
export function decideDriverFlavour(
  gpus: FlavourGpu[],
  requested: DriverFlavour | 'auto',
  pinBranch?: number,
): FlavourDecision {
  const all = gpus.map(needOf);
  const ignored = all.filter((n) => n.generation === 'kepler-or-older').map(label);
  const perGpu = all.filter((n) => n.generation !== 'kepler-or-older');
  const maxBranch = Math.min(...perGpu.map((n) => n.maxBranch ?? Number.POSITIVE_INFINITY));
  const minBranch = Math.max(...perGpu.map((n) => n.minBranch ?? 0));
  const limits = {
    ...(Number.isFinite(maxBranch) ? { maxBranch } : {}),
    ...(minBranch > 0 ? { minBranch } : {}),
  };
  const base = { perGpu: all, ignored, ...limits };
  if (perGpu.length === 0) {
    return {
      ...base,
      flavour: null,
      reason:
        gpus.length === 0
          ? 'no NVIDIA GPU'
          : `${ignored.join(', ')}: Kepler cards need the 470 legacy driver and CUDA 12 engines cannot use them; ops installs no driver for them`,
    };
  }
  const shared = (['open', 'proprietary'] as const).filter((f) =>
    perGpu.every((n) => n.flavours.includes(f)),
  );
  const note = ignored.length ? `; ${ignored.join(', ')} set aside (Kepler: CUDA 12 cannot use it)` : '';
  if (shared.length === 0) {
    const open = perGpu.filter((n) => !n.flavours.includes('proprietary')).map(label);
    const prop = perGpu.filter((n) => !n.flavours.includes('open')).map(label);
    return {
      ...base,
      flavour: null,
      reason: `no driver serves every card: ${open.join(', ')} need the open kernel modules (branch ${FIRST_BRANCH_BLACKWELL}+), ${prop.join(', ')} need the proprietary ones (branch ${LAST_BRANCH_MAXWELL_PASCAL_VOLTA} at most); move one group to another box${note}`,
    };
  }
  if (minBranch > maxBranch) {
    return {
      ...base,
      flavour: null,
      reason: `no driver branch serves every card (needs ${minBranch} or newer and ${maxBranch} or older)${note}`,
    };
  }
  if (pinBranch !== undefined && (pinBranch > maxBranch || pinBranch < minBranch)) {
    const bound = pinBranch > maxBranch ? `${maxBranch} or older` : `${minBranch} or newer`;
    const who = perGpu.filter((n) =>
      pinBranch > maxBranch ? (n.maxBranch ?? Infinity) < pinBranch : (n.minBranch ?? 0) > pinBranch,
    );
    return {
      ...base,
      flavour: null,
      reason: `the pinned branch ${pinBranch} does not support ${who.map(label).join(', ')}: pin ${bound}${note}`,
    };
  }
  const why = (f: DriverFlavour) => {
    if (f === 'open') {
      const blackwell = perGpu.some((n) => n.generation === 'blackwell');
      return blackwell
        ? 'open kernel modules: required by Blackwell, supported by every card here'
        : "open kernel modules: every card is Turing or newer (NVIDIA's default since 560)";
    }
    const old = perGpu.filter((n) => n.generation === 'maxwell-pascal-volta').map(label);
    return old.length
      ? `proprietary kernel modules: ${old.join(', ')} predates Turing, which the open modules do not support (branch ${LAST_BRANCH_MAXWELL_PASCAL_VOLTA} at most)`
      : 'proprietary kernel modules, as asked';
  };
  if (requested !== 'auto') {
    if (!shared.includes(requested)) {
      const against = perGpu.filter((n) => !n.flavours.includes(requested)).map(label);
      return {
        ...base,
        flavour: null,
        reason: `${requested} kernel modules were asked for, but ${against.join(', ')} cannot use them (answer driver.flavour: auto)${note}`,
      };
    }
    return { ...base, flavour: requested, reason: `${why(requested)}${note}` };
  }
  const flavour: DriverFlavour = shared.includes('open') ? 'open' : 'proprietary';
  return { ...base, flavour, reason: `${why(flavour)}${note}` };
}
