import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ingestUsageSpool } from '../../src/ledger/spool-ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-route-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (over: Record<string, unknown>) =>
  JSON.stringify({
    at: '2026-11-24T10:00:01.000Z',
    api: 'anthropic',
    model: 'claude-opus-4-8',
    upstream: 'cloud',
    route: 'cloud',
    inputTokens: 100,
    outputTokens: 10,
    latencyMs: 50,
    ttftMs: 20,
    status: 200,
    stream: true,
    cached: false,
    ...over,
  });

describe('routing decisions in the ledger', () => {
  it('keeps each usage record’s route reason and task rule; records from before them have none', () => {
    const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
    const spool = join(dir, 'spool');
    mkdirSync(join(spool, 'demo'), { recursive: true });
    writeFileSync(
      join(spool, 'demo', 'usage-2026-11-24.ndjson'),
      [
        record({ routeReason: 'task-rule', routeRule: 'opus-to-cloud' }),
        record({ route: 'local', upstream: 'coder', routeReason: 'local-preferred' }),
        record({ route: 'local', upstream: 'coder' }),
      ].join('\n') + '\n',
    );
    assert.equal(ingestUsageSpool(ledger, spool).inserted, 3);
    const rows = ledger.usage(0, Date.parse('2027-01-01'));
    assert.deepEqual(
      rows.map((r) => [r.route, r.routeReason, r.routeRule]),
      [
        ['cloud', 'task-rule', 'opus-to-cloud'],
        ['local', 'local-preferred', undefined],
        ['local', undefined, undefined],
      ],
    );
    ledger.close();
  });
});
