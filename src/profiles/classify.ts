import type { GpuClass, GpuInfo, Inventory } from '../detect/types.js';
import type { Classification, Profile, ProfileRule } from './types.js';
import { assessGpus, nominalVramGiB } from './usable-gpus.js';

/** What the rules are evaluated against: the usable GPUs, summarised. */
interface GpuFacts {
  count: number;
  totalVramGiB: number;
  largestVramGiB: number;
  namesByClass: Map<GpuClass, string[]>;
}

/** One condition's verdict, with the words for the reasons either way. */
interface Check {
  ok: boolean;
  text: string;
}

/**
 * Chooses the hardware profile for an inventory: profiles are tried from the highest priority down and the first
 * with a matching rule wins. Pure; never throws for odd machines (mixed, MIG, driverless, old cards): those get a
 * profile plus warnings. When no rule of any profile matches, the lowest-priority profile is used, with a warning.
 */
export function classify(inventory: Pick<Inventory, 'gpus'>, profiles: Profile[]): Classification {
  if (profiles.length === 0) throw new Error('classify needs at least one profile');
  const { usable, warnings } = assessGpus(inventory.gpus);
  const facts = summarise(usable);
  const ordered = [...profiles].sort((a, b) => b.priority - a.priority);
  const rejected: string[] = [];
  for (const profile of ordered) {
    const verdicts = profile.match.map((rule) => evaluate(rule, facts));
    const hit = verdicts.find((checks) => checks.every((c) => c.ok));
    if (hit) {
      const chosen = `${hit.map((c) => c.text).join(', ')} → ${profile.id}`;
      return { id: profile.id, reasons: [...describeGpus(usable, facts), chosen, ...rejected], warnings };
    }
    const failed = verdicts.map((checks) =>
      checks
        .filter((c) => !c.ok)
        .map((c) => c.text)
        .join(' and '),
    );
    rejected.push(`not ${profile.id}: ${failed.join('; ')}`);
  }
  const fallback = ordered[ordered.length - 1]!;
  return {
    id: fallback.id,
    reasons: [...describeGpus(usable, facts), ...rejected],
    warnings: [
      ...warnings,
      `no profile's rules match this machine; using the lowest-priority profile "${fallback.id}". Check the match rules in ${fallback.file}`,
    ],
  };
}

function summarise(usable: GpuInfo[]): GpuFacts {
  const sizes = usable.map(nominalVramGiB);
  const namesByClass = new Map<GpuClass, string[]>();
  for (const gpu of usable)
    namesByClass.set(gpu.gpuClass, [...(namesByClass.get(gpu.gpuClass) ?? []), gpu.name]);
  return {
    count: usable.length,
    totalVramGiB: sizes.reduce((a, b) => a + b, 0),
    largestVramGiB: Math.max(0, ...sizes),
    namesByClass,
  };
}

function describeGpus(usable: GpuInfo[], facts: GpuFacts): string[] {
  if (facts.count === 0) return [];
  const groups = new Map<string, number[]>();
  for (const gpu of usable) groups.set(gpu.name, [...(groups.get(gpu.name) ?? []), nominalVramGiB(gpu)]);
  const parts = [...groups].map(
    ([name, sizes]) => `${sizes.length}× ${name} (${sizes[0]} GiB${sizes.length > 1 ? ' each' : ''})`,
  );
  return [`${plural(facts.count, 'usable GPU')}: ${parts.join(', ')}; ${facts.totalVramGiB} GiB total VRAM`];
}

/** The verdict of every condition of a rule, in a fixed order so reasons read the same every time. */
function evaluate(rule: ProfileRule, facts: GpuFacts): Check[] {
  const checks: Check[] = [];
  if (rule.anyGpuClass !== undefined) {
    const found = rule.anyGpuClass.flatMap((c) => facts.namesByClass.get(c) ?? []);
    const wanted = rule.anyGpuClass.join(' or ');
    checks.push(
      found.length > 0
        ? { ok: true, text: `${wanted} GPU (${[...new Set(found)].join(', ')})` }
        : { ok: false, text: `no ${wanted} GPU` },
    );
  }
  if (rule.maxGpuCount === 0 && rule.minGpuCount === undefined) {
    checks.push(
      facts.count === 0
        ? { ok: true, text: 'no usable NVIDIA GPU' }
        : { ok: false, text: `${plural(facts.count, 'usable GPU')} present` },
    );
  } else {
    if (rule.minGpuCount !== undefined)
      checks.push(atLeast(facts.count, rule.minGpuCount, (n) => plural(n, 'GPU')));
    if (rule.maxGpuCount !== undefined)
      checks.push(atMost(facts.count, rule.maxGpuCount, (n) => plural(n, 'GPU')));
  }
  const gib = (label: string) => (n: number) => `${n} GiB ${label}`;
  if (rule.minTotalVramGiB !== undefined)
    checks.push(atLeast(facts.totalVramGiB, rule.minTotalVramGiB, gib('total VRAM'), ' GiB'));
  if (rule.maxTotalVramGiB !== undefined)
    checks.push(atMost(facts.totalVramGiB, rule.maxTotalVramGiB, gib('total VRAM'), ' GiB'));
  if (rule.minLargestGpuVramGiB !== undefined) {
    checks.push(atLeast(facts.largestVramGiB, rule.minLargestGpuVramGiB, gib('on the largest GPU'), ' GiB'));
  }
  if (rule.maxLargestGpuVramGiB !== undefined) {
    checks.push(atMost(facts.largestVramGiB, rule.maxLargestGpuVramGiB, gib('on the largest GPU'), ' GiB'));
  }
  return checks;
}

function atLeast(value: number, min: number, describe: (n: number) => string, unit = ''): Check {
  const ok = value >= min;
  return { ok, text: `${describe(value)} ${ok ? '≥' : '<'} ${min}${unit}` };
}

function atMost(value: number, max: number, describe: (n: number) => string, unit = ''): Check {
  const ok = value <= max;
  return { ok, text: `${describe(value)} ${ok ? '≤' : '>'} ${max}${unit}` };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
