import { type SpeedFigures, speedFigures, speedSourceLabel } from './measured-speed.js';
import { formatGiB } from './memory-constants.js';
import type { PlannedModel, PlanProposal } from './types.js';

/** Rejected candidates shown per role without --all. */
const REJECTED_SHOWN = 3;

function memoryPerGpu(e: PlannedModel): string {
  const gpu = e.perGpu.map((g) => `GPU${g.index} ${size(g.totalBytes)}`);
  if (e.cpuBytes > 0 || gpu.length === 0) gpu.push(`RAM ${size(e.cpuBytes || e.totalBytes)}`);
  return gpu.join(', ');
}

/** GiB for real models, MiB below 1 GiB (the smoke models are a few MiB). */
function size(bytes: number): string {
  return bytes >= 1024 ** 3 ? formatGiB(bytes) : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * The human report: a table of what runs (speeds measured by `ops bench` on this host where given in `speeds`,
 * else estimated, and labelled so), the rejected candidates per role, and suggestions.
 */
export function formatProposal(
  proposal: PlanProposal,
  header: string[],
  notes: string[],
  showAll: boolean,
  speeds: readonly SpeedFigures[] = [],
): string {
  const out = [...header, ''];
  if (proposal.entries.length === 0) out.push('nothing fits this machine with this intent.');
  else {
    const rows = [
      [
        'role',
        'model',
        'quant',
        'engine',
        'context × parallel',
        'memory',
        'tok/s (1 / all)',
        '20K prompt',
        'speed',
      ],
      ...proposal.entries.map((e, i) => {
        const speed = speeds[i] ?? speedFigures(e, undefined);
        return [
          [e.role, ...e.alsoServes].join(', '),
          e.modelId,
          e.quant,
          // Data-parallel copies (planner/replicas.ts): `× N`, and "all" is every copy's agents together.
          e.replicas?.length ? `${e.engine} × ${e.replicas.length + 1}` : e.engine,
          `${e.contextPerAgent} × ${e.parallel}`,
          memoryPerGpu(e),
          `${speed.decodeTokensPerS.value.toFixed(1)} / ${(e.aggregateTokensPerSec + (e.replicas ?? []).reduce((a, r) => a + r.aggregateTokensPerSec, 0)).toFixed(1)}`,
          `${speed.promptSeconds20k.value.toFixed(1)} s`,
          speedSourceLabel(speed),
        ];
      }),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const r of rows) out.push(`  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
    for (const e of proposal.entries) {
      out.push(
        `  ${e.id}: weights ${size(e.weightsBytes)} + KV ${size(e.kvCacheBytes)} (${e.kvCacheType}) + compute ${size(e.overheadBytes)} = ${size(e.totalBytes)}; args ${e.args.join(' ')}`,
      );
      for (const n of e.notes) out.push(`    note: ${n}`);
    }
  }
  const roles = [...new Set(proposal.rejected.map((r) => r.role))];
  if (roles.length > 0) out.push('', 'not chosen:');
  for (const role of roles) {
    const list = proposal.rejected.filter((r) => r.role === role);
    const shown = showAll ? list : list.slice(0, REJECTED_SHOWN);
    out.push(`  ${role}:`);
    for (const r of shown) out.push(`    ${r.id}: ${r.reason}`);
    if (shown.length < list.length) out.push(`    … ${list.length - shown.length} more (--all or --json)`);
  }
  if (proposal.suggestions.length > 0) {
    out.push('', 'what would fit:');
    for (const s of proposal.suggestions) out.push(`  ${s}`);
  }
  if (notes.length > 0) {
    out.push('', 'notes:');
    for (const n of notes) out.push(`  ${n}`);
  }
  return out.join('\n');
}
