import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { keepAsking } from '../support/continuous-client.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

describe('ops upgrade-models --yes and ops rollback through the CLI, under load', {
  timeout: 300_000,
}, () => {
  let kit: DockerTestKit;
  let env: NodeJS.ProcessEnv;
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    env = { OPS_HOME: join(kit.dir, 'home') };
  });
  afterAll(async () => {
    await runCli(['down', '--deployment', deployment], env);
    await kit.cleanup(deployment);
  });

  it('moves from the tiny to the bench smoke model and back with no failed request', async () => {
    // What the planner chooses on this machine (the bench smoke model), made to run the older tiny one instead.
    const planFile = join(kit.dir, 'plan.yaml');
    const written = await runCli(['plan', '--write', '--sources', 'builtin', '--out', planFile], env);
    assert.equal(written.code, 0, written.stderr);
    const doc = parse(readFileSync(planFile, 'utf8'));
    doc.deployment = deployment;
    doc.engines[0].port = await freePort();
    // Named for the store, as ops plan names it: `up` writes the built-in tiny model itself.
    doc.engines[0].model = 'builtin:ops-smoke-tiny';
    doc.gateway.port = await freePort();
    delete doc.monitoring;
    writeFileSync(planFile, stringify(doc));
    const up = await runCli(['up', '--plan', planFile], env);
    assert.equal(up.code, 0, up.stderr);

    const load = keepAsking(`http://127.0.0.1:${doc.gateway.port}`, { timeoutMs: 30_000 });
    try {
      const upgrade = await runCli(['upgrade-models', '--yes', '--json'], env);
      assert.equal(upgrade.code, 0, upgrade.stderr);
      assert.equal(JSON.parse(upgrade.stdout).outcome, 'switched');
      assert.match(
        readFileSync(join(env.OPS_HOME!, 'plan.yaml'), 'utf8'),
        /model: builtin:ops-smoke-bench\b/,
      );

      const rollback = await runCli(['rollback', '--yes', '--json'], env);
      assert.equal(rollback.code, 0, rollback.stderr);
      assert.equal(JSON.parse(rollback.stdout).outcome, 'switched');
      assert.match(readFileSync(join(env.OPS_HOME!, 'plan.yaml'), 'utf8'), /model: builtin:ops-smoke-tiny\b/);
    } finally {
      await load.stop();
    }
    console.log(
      `requests during upgrade and rollback: ${load.counts.ok} answered, ${load.counts.failed} failed`,
    );
    assert.equal(load.counts.failed, 0, load.counts.errors.slice(0, 5).join('\n'));
    assert.ok(load.counts.ok > 0);
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout);
    assert.ok(status.engines.every((e: { state: string }) => e.state === 'healthy'));
    assert.equal(status.engines.length, 1, 'the retired engine is gone');
    // Both switches are in the ledger's view of the month.
    const report = JSON.parse((await runCli(['report', '--format', 'json'], env)).stdout);
    assert.deepEqual(
      report.modelChanges.attempts.map((a: { action: string; outcome: string }) => [a.action, a.outcome]),
      [
        ['upgrade', 'switched'],
        ['rollback', 'switched'],
      ],
    );
  });
});
