import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('ops upgrade-models --check and ops rollback through the CLI', { timeout: 120_000 }, () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let planFile: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ops-upgrade-check-'));
    env = { OPS_HOME: home };
    planFile = join(home, 'plan.yaml');
    // The running Plan is exactly what `ops plan --sources builtin` chooses on this machine (the smoke models,
    // asked for: they are never planned otherwise).
    const plan = await runCli(['plan', '--write', '--sources', 'builtin', '--out', planFile], env);
    assert.equal(plan.code, 0, plan.stderr);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('exits 0 and says up to date when the running Plan is what the planner would choose', async () => {
    const check = await runCli(['upgrade-models', '--check'], env);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /is up to date/);
  });

  it('exits 10 listing the change when the planner would choose another model, and changes nothing', async () => {
    const original = readFileSync(planFile, 'utf8');
    const older = original.replace(/model: builtin:ops-smoke-bench\b/, 'model: builtin:ops-smoke-tiny');
    assert.notEqual(older, original);
    writeFileSync(planFile, older);
    const filesBefore = readdirSync(home).sort();
    const check = await runCli(['upgrade-models', '--check', '--json'], env);
    assert.equal(check.code, 10, check.stderr);
    const result = JSON.parse(check.stdout);
    assert.equal(result.upToDate, false);
    assert.deepEqual(
      result.changes.map((c: { role: string; reasons: string[] }) => [c.role, c.reasons[0]]),
      [['quality-coder', 'model builtin:ops-smoke-tiny → builtin:ops-smoke-bench (ops-smoke-bench F16)']],
    );
    // An answer, not a failure: no "error:" prefix for scripts or people to misread.
    assert.match(check.stderr, /^upgrade available \(nothing was changed\)/m);
    assert.doesNotMatch(check.stderr, /error:/);
    assert.equal(readFileSync(planFile, 'utf8'), older, 'the Plan is untouched');
    assert.deepEqual(readdirSync(home).sort(), filesBefore, 'no file was made');
    const onlyFast = await runCli(['upgrade-models', '--check', '--only', 'embeddings'], env);
    assert.equal(onlyFast.code, 0, 'nothing to upgrade for a role not asked about');
  });

  it('rollback says what is missing when there is no previous Plan', async () => {
    const result = await runCli(['rollback', '--yes'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no previous Plan in the state directory/);
  });
});
