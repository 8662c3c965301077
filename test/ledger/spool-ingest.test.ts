import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.js';
import { ingestUsageSpool } from '../../src/ledger/spool-ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-spool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 2, invalid: 0 });
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 0, invalid: 0 });

    // The half-written line completes, plus a corrupt one and another request.
    appendFileSync(file, `${record(2).slice(30)}\nnot json\n${record(3)}\n`);
    assert.deepEqual(ingestUsageSpool(ledger, spool), { files: 1, inserted: 2, invalid: 1 });
    const rows = ledger.usage(0, Date.parse('2027-01-01'));
    assert.deepEqual(
      rows.map((r) => r.outputTokens),
      [11, 11, 12, 13],
    );
    ledger.close();
  });
});
