import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { acquireWriterLock } from '../../src/ledger/writer-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger writer lock', () => {
  it('refuses while another live process holds it, and is released by its holder', async () => {
    const ledger = join(dir, 'a.sqlite');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const release = acquireWriterLock(ledger, other.pid);
      assert.throws(() => acquireWriterLock(ledger), new RegExp(`another ops agent \\(pid ${other.pid}\\)`));
      release();
      assert.equal(existsSync(`${ledger}.agent.lock`), false);
    } finally {
      other.kill();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    const ledger = join(dir, 'b.sqlite');
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(`${ledger}.agent.lock`, String(gone.pid));
    const release = acquireWriterLock(ledger);
    assert.equal(readFileSync(`${ledger}.agent.lock`, 'utf8'), String(process.pid));
    release();
  });

  it('takes over a lock naming its own pid: left by an earlier life of the agent container (same pid, new namespace)', () => {
    const ledger = join(dir, 'c.sqlite');
    writeFileSync(`${ledger}.agent.lock`, String(process.pid));
    const release = acquireWriterLock(ledger);
    release();
    assert.equal(existsSync(`${ledger}.agent.lock`), false);
  });
});
