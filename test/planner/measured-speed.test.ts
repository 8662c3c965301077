import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { latestMeasuredSpeeds, recordBench } from '../../src/bench/bench-store.js';
import type { EngineBench } from '../../src/bench/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { formatEstimates } from '../../src/planner/explain-estimates.js';
import { formatProposal } from '../../src/planner/format-proposal.js';
import { type MeasuredSpeed, speedFigures, speedSourceLabel } from '../../src/planner/measured-speed.js';
import { planModels } from '../../src/planner/plan-models.js';
import { planModelOf } from '../../src/store/model-location.js';
import { catalog, HARDWARE, intent } from './helpers.js';

const estimate = { estTokensPerSec: 40, promptSeconds20k: 12.5 };
const at = '2026-11-30T10:00:00.000Z';

describe('measured speed in the plan', () => {
  const cases: {
    name: string;
    measured?: MeasuredSpeed;
    decode: [number, string];
    prompt: [number, string];
    label: string;
  }[] = [
    {
      name: 'no bench: the estimates',
      decode: [40, 'estimated'],
      prompt: [12.5, 'estimated'],
      label: 'estimated',
    },
    {
      name: 'a bench: both measured, with its date',
      measured: { decodeTokensPerS: 31.5, promptTokensPerS: 2000, measuredAt: at },
      decode: [31.5, 'measured (2026-11-30)'],
      prompt: [10, 'measured (2026-11-30)'],
      label: 'measured (2026-11-30)',
    },
    {
      name: 'no prompt size fitted the slot: decode measured, prompt estimated',
      measured: { decodeTokensPerS: 31.5, promptTokensPerS: 0, measuredAt: at },
      decode: [31.5, 'measured (2026-11-30)'],
      prompt: [12.5, 'estimated'],
      label: 'decode measured (2026-11-30), prompt estimated',
    },
    {
      name: 'a broken measurement of 0 tokens/s is no measurement',
      measured: { decodeTokensPerS: 0, promptTokensPerS: 0, measuredAt: at },
      decode: [40, 'estimated'],
      prompt: [12.5, 'estimated'],
      label: 'estimated',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = speedFigures(estimate, c.measured);
      assert.deepEqual([f.decodeTokensPerS.value, f.decodeTokensPerS.label], c.decode);
      assert.deepEqual([f.promptSeconds20k.value, f.promptSeconds20k.label], c.prompt);
      assert.equal(speedSourceLabel(f), c.label);
      assert.deepEqual(f.estimated, { decodeTokensPerS: 40, promptSeconds20k: 12.5 });
    });
  }

  it('the table and --explain show a measurement in place of the estimate, labelled, the estimate beside it', () => {
    const proposal = planModels({ hardware: HARDWARE['1x-rtx-3090']!, intent: intent(), catalog });
    const entry = proposal.entries[0]!;
    const measured = speedFigures(entry, { decodeTokensPerS: 12.34, promptTokensPerS: 1000, measuredAt: at });
    const table = formatProposal(proposal, [], [], false, [measured]);
    assert.match(table, /12\.3 \/ [\d.]+\s+20\.0 s\s+measured \(2026-11-30\)/);
    assert.match(formatProposal(proposal, [], [], false), /\d+\.\d \/ [\d.]+\s+[\d.]+ s\s+estimated/);
    const explain = formatEstimates(proposal.entries, [measured]).join('\n');
    assert.match(
      explain,
      /decode: 12\.3 tokens\/s for one agent, measured \(2026-11-30\) by ops bench \(estimated ~[\d.]+\)/,
    );
    assert.match(
      explain,
      /prompt: ~20\.0 s to process a 20000-token prompt, measured \(2026-11-30\) by ops bench/,
    );
    assert.match(
      formatEstimates(proposal.entries).join('\n'),
      /decode: ~[\d.]+ tokens\/s for one agent, estimated/,
    );
  });

  it('reads the latest bench of each model on this host from the ledger, and nothing for other hosts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-measured-'));
    const file = join(dir, 'ledger.sqlite');
    try {
      assert.deepEqual(
        latestMeasuredSpeeds(file, 'box', ['m']),
        [undefined],
        'no ledger: nothing, and none made',
      );
      const bench = (host: string, model: string, startedAt: string, decode: number): EngineBench => ({
        engine: 'coder',
        model,
        host,
        startedAt,
        contextPerSlot: 4096,
        slots: 1,
        decodeTokensPerS: decode,
        promptTokensPerS: 500,
        prompts: [],
        skippedSizes: [],
        concurrency: [],
      });
      const ledger = Ledger.open(file);
      recordBench(ledger, bench('box', 'hf:a/b:x.gguf', '2026-11-01T00:00:00.000Z', 10));
      recordBench(ledger, bench('box', 'hf:a/b:x.gguf', '2026-11-02T00:00:00.000Z', 11));
      recordBench(ledger, bench('other', 'hf:a/b:y.gguf', '2026-11-03T00:00:00.000Z', 99));
      ledger.close();
      const [x, y] = latestMeasuredSpeeds(file, 'box', ['hf:a/b:x.gguf', 'hf:a/b:y.gguf']);
      assert.deepEqual(x, {
        decodeTokensPerS: 11,
        promptTokensPerS: 500,
        measuredAt: '2026-11-02T00:00:00.000Z',
      });
      assert.equal(y, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys measurements by the model as the Plan names it', () => {
    const proposal = planModels({ hardware: HARDWARE['1x-rtx-3090']!, intent: intent(), catalog });
    assert.match(planModelOf(proposal.entries[0]!), /^hf:/);
  });
});
