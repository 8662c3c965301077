import { PROMPT_TOKENS_FOR_ESTIMATE } from './coding-policy.js';
import type { PlannedModel } from './types.js';

/** What `ops bench` last measured for a model on this host (src/bench/bench-store.ts reads it from the ledger). */
export interface MeasuredSpeed {
  /** Single-agent decode. */
  decodeTokensPerS: number;
  /** Prompt processing at the largest prompt size that fit the engine's slot; 0 when none was timed. */
  promptTokensPerS: number;
  measuredAt: string;
}

/** One speed figure with where it came from. */
export interface SpeedFigure {
  value: number;
  source: 'measured' | 'estimated';
  /** `measured (2026-12-02)` or `estimated`, as printed. */
  label: string;
}

/** The speed `ops plan` shows for one planned model: decode for one agent, and the time of a 20K-token prompt. */
export interface SpeedFigures {
  decodeTokensPerS: SpeedFigure;
  promptSeconds20k: SpeedFigure;
  /** The planner's own figures, kept beside a measurement so the two can be compared. */
  estimated: { decodeTokensPerS: number; promptSeconds20k: number };
}

/**
 * The figures to show for a planned model (pure): what `ops bench` measured on this host for this model when there
 * is a measurement, the planner's estimate otherwise, each labelled. A 20K prompt's time from a measurement is
 * the measured prompt speed applied to 20K tokens (bench times the largest prompt that fits the slot).
 */
export function speedFigures(
  entry: Pick<PlannedModel, 'estTokensPerSec' | 'promptSeconds20k'>,
  measured: MeasuredSpeed | undefined,
): SpeedFigures {
  const estimated = { decodeTokensPerS: entry.estTokensPerSec, promptSeconds20k: entry.promptSeconds20k };
  const estimate = (value: number): SpeedFigure => ({ value, source: 'estimated', label: 'estimated' });
  const label = measured ? `measured (${measured.measuredAt.slice(0, 10)})` : '';
  const measure = (value: number): SpeedFigure => ({ value, source: 'measured', label });
  return {
    decodeTokensPerS:
      measured && measured.decodeTokensPerS > 0
        ? measure(measured.decodeTokensPerS)
        : estimate(estimated.decodeTokensPerS),
    promptSeconds20k:
      measured && measured.promptTokensPerS > 0
        ? measure(PROMPT_TOKENS_FOR_ESTIMATE / measured.promptTokensPerS)
        : estimate(estimated.promptSeconds20k),
    estimated,
  };
}

/** `measured (2026-12-02)`, `estimated`, or `decode measured (…), prompt estimated` when they differ. */
export function speedSourceLabel(figures: SpeedFigures): string {
  const { decodeTokensPerS: d, promptSeconds20k: p } = figures;
  return d.label === p.label ? d.label : `decode ${d.label}, prompt ${p.label}`;
}
