import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { importFile } from '../../src/ledger/import/import-file.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { acquireWriterLock } from '../../src/ledger/writer-lock.js';

let dir: string;
let ledger: Ledger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-ledger-'));
  ledger = Ledger.open(join(dir, 'ledger.sqlite'));
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

test('NDJSON power readings import once; a second import adds nothing', () => {
  const file = write(
    'power.ndjson',
    [
      '{"ts":"2026-03-02T00:00:00Z","source":"gpu","device":"gpu0","powerW":300}',
      '{"ts":1772409660000,"source":"gpu","device":"gpu0","powerW":310,"energyJ":12}',
      '',
      '{"ts":1772409720,"source":"wall","device":"plug","powerW":"420.5"}',
    ].join('\n'),
  );
  const first = importFile(ledger, 'power', file);
  assert.deepEqual(
    { records: first.records, inserted: first.inserted, duplicates: first.duplicates, format: first.format },
    { records: 3, inserted: 3, duplicates: 0, format: 'ndjson' },
  );
  assert.equal(first.fromMs, Date.parse('2026-03-02T00:00:00Z'));
  const second = importFile(ledger, 'power', file);
  assert.equal(second.inserted, 0);
  assert.equal(second.duplicates, 3);
  const rows = [...ledger.iteratePowerSamples('wall', 'plug', 0, Number.MAX_SAFE_INTEGER)];
  assert.deepEqual(rows, [[1_772_409_720_000, 420.5, null]]);
});

test('CSV probes with quoted errors; ok as true/false/1/0', () => {
  const file = write(
    'probes.csv',
    'ts,target,ok,latencyMs,error\n2026-03-02T00:00:05Z,gateway,true,3,\n2026-03-02T00:00:35Z,gateway,0,,"HTTP 503, upstream ""coder"" down"\r\n',
  );
  const s = importFile(ledger, 'probe', file);
  assert.equal(s.inserted, 2);
  const probes = ledger.probesOf('gateway', 0, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(
    probes.map((p) => [p.ok, p.error]),
    [
      [true, null],
      [false, 'HTTP 503, upstream "coder" down'],
    ],
  );
});

test('every invalid record is reported with its line and field, and nothing is written', () => {
  const file = write(
    'usage.ndjson',
    [
      '{"ts":"2026-03-05T10:00:00Z","model":"m","upstream":"u","route":"local","inputTokens":1,"outputTokens":2,"latencyMs":5,"status":200}',
      '{"ts":"yesterday","model":"m","upstream":"u","route":"moon","inputTokens":-1,"outputTokens":2,"latencyMs":5,"status":200}',
      'not json',
    ].join('\n'),
  );
  try {
    importFile(ledger, 'usage', file);
    assert.fail('expected a ValidationError');
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    const paths = error.problems.map((p) => p.path);
    assert.ok(paths.includes('line 2 › ts'), paths.join(', '));
    assert.ok(paths.includes('line 2 › route'));
    assert.ok(paths.includes('line 2 › inputTokens'));
    assert.ok(paths.includes('line 3'));
  }
  assert.equal(ledger.usage(0, Number.MAX_SAFE_INTEGER).length, 0);
  const skipped = importFile(ledger, 'usage', file, { skipInvalid: true });
  assert.equal(skipped.inserted, 1);
  assert.equal(skipped.skipped, 2);
});

test('usage is de-duplicated by id, or by content when there is none', () => {
  const line = (id: string) =>
    `{"id":"${id}","at":"2026-03-05T10:00:00Z","model":"m","upstream":"u","route":"cloud","inputTokens":1,"outputTokens":2,"latencyMs":5,"status":200}`;
  const file = write('u.jsonl', [line('a'), line('a'), line('b')].join('\n'));
  assert.equal(importFile(ledger, 'usage', file).inserted, 2);
  const anon = write(
    'anon.jsonl',
    `${line('x').replace('"id":"x",', '')}\n${line('x').replace('"id":"x",', '')}`,
  );
  assert.equal(importFile(ledger, 'usage', anon).inserted, 1);
});

test('reopening keeps the data; a second agent lock is refused while the first holds it', () => {
  ledger.insertProbes([{ tsMs: 1, target: 'g', ok: true, latencyMs: 1, error: null }]);
  ledger.close();
  ledger = Ledger.open(join(dir, 'ledger.sqlite'));
  assert.equal(ledger.probesOf('g', 0, 10).length, 1);
  const release = acquireWriterLock(ledger.file);
  assert.throws(() => acquireWriterLock(ledger.file, process.pid + 1), /already writing/);
  release();
  acquireWriterLock(ledger.file)();
});
