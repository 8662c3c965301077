import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ingestUsageSpool } from '../../src/ledger/spool-ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (i: number) =>
  JSON.stringify({
    at: `2026-11-24T10:00:0${i}.000Z`,
    api: 'anthropic',
    model: 'claude-sonnet-4-5',
    upstream: 'coder',
    route: 'local',
    inputTokens: 100,
    outputTokens: 10 + i,
    latencyMs: 50,
    ttftMs: 20,
    status: 200,
    stream: true,
    cached: false,
  });

describe('ingestUsageSpool', () => {
  it('imports complete lines once, resumes where it stopped, and waits for a line still being written', () => {
    const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
    const spool = join(dir, 'spool');
    mkdirSync(join(spool, 'demo'), { recursive: true });
    const file = join(spool, 'demo', 'usage-2026-11-24.ndjson');
    // Two identical requests in the same millisecond are two requests: both must count.
    writeFileSync(file, `${record(1)}\n${record(1)}\n${record(2).slice(0, 30)}`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 2, invalid: 0, events: 0 });
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 0, invalid: 0, events: 0 });

    // The half-written line completes, plus a corrupt one and another request.
    appendFileSync(file, `${record(2).slice(30)}\nnot json\n${record(3)}\n`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 2, invalid: 1, events: 0 });
    const rows = ledger.usage(0, Date.parse('2027-01-01'));
    assert.deepEqual(
      rows.map((r) => r.outputTokens),
      [11, 11, 12, 13],
    );
    ledger.close();
  });

  it('imports upgrade events from spool/events/upgrades.ndjson once, beside usage, waiting for a partial line', () => {
    const ledger = Ledger.open(join(dir, 'events.sqlite'));
    const spool = join(dir, 'spool-events');
    mkdirSync(join(spool, 'events'), { recursive: true });
    mkdirSync(join(spool, 'demo'), { recursive: true });
    writeFileSync(join(spool, 'demo', 'usage-2026-03-04.ndjson'), `${record(1)}\n`);
    // A stray usage-shaped file in events/ is not usage: the events directory holds events only.
    writeFileSync(join(spool, 'events', 'usage-2026-03-04.ndjson'), `${record(2)}\n`);
    const base = { id: 'a1', deployment: 'demo', action: 'upgrade', strategy: 'blue-green' };
    const start = JSON.stringify({
      ts: '2026-03-04T10:00:00.000Z',
      kind: 'upgrade:start',
      ...base,
      changes: ['coder: coder (a.gguf) → coder-2 (b.gguf)'],
    });
    const switched = JSON.stringify({
      ts: '2026-03-04T10:02:00.000Z',
      kind: 'upgrade:switched',
      ...base,
      from: ['coder'],
      to: ['coder-2'],
      durationMs: 120_000,
    });
    const file = join(spool, 'events', 'upgrades.ndjson');
    writeFileSync(file, `${start}\n${switched.slice(0, 40)}`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 2, inserted: 1, invalid: 0, events: 1 });

    // The switch line completes; a wrong kind and a line that is not JSON are counted, not imported.
    const wrong = JSON.stringify({ ...JSON.parse(start), kind: 'upgrade:paused' });
    appendFileSync(file, `${switched.slice(40)}\n${wrong}\n{"ts":\n`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 2, inserted: 0, invalid: 2, events: 1 });
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 2, inserted: 0, invalid: 0, events: 0 });

    // The file replaced by a copy of itself (shorter than the offset): read again from the start, nothing added.
    writeFileSync(file, `${start}\n`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 2, inserted: 0, invalid: 0, events: 0 });

    const events = ledger.events(Date.parse('2026-03-01'), Date.parse('2026-04-01'));
    assert.deepEqual(events, [
      {
        tsMs: Date.parse('2026-03-04T10:00:00Z'),
        kind: 'upgrade:start',
        attemptId: 'a1',
        deployment: 'demo',
        action: 'upgrade',
        strategy: 'blue-green',
        detail: { changes: ['coder: coder (a.gguf) → coder-2 (b.gguf)'] },
      },
      {
        tsMs: Date.parse('2026-03-04T10:02:00Z'),
        kind: 'upgrade:switched',
        attemptId: 'a1',
        deployment: 'demo',
        action: 'upgrade',
        strategy: 'blue-green',
        detail: { from: ['coder'], to: ['coder-2'], durationMs: 120_000 },
      },
    ]);
    assert.equal(ledger.events(Date.parse('2026-03-04T10:01:00Z'), Date.parse('2026-04-01')).length, 1);
    // Asked from 10:01, the attempt still comes whole (its start is before the range).
    assert.equal(
      ledger.eventsOfAttempts(Date.parse('2026-03-04T10:01:00Z'), Date.parse('2026-04-01')).length,
      2,
    );
    ledger.close();
  });
});
