import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

/** Polls `probe` until it returns a value, or fails after `timeoutMs` with the last thing it saw. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('ops up with monitoring: Prometheus scrapes every target, the agent fills the ledger, the report shows it', {
  timeout: 240_000,
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

  it('runs engine, gateway, Prometheus, node exporter and the agent; requests reach the report; down stops all', async () => {
    await writeSmokeModel({ out: join(kit.dir, 'smoke.gguf'), size: 'tiny', seed: 3 });
    const [engine, gatewayPort, prometheus, nodeExporter, agentMetrics] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    mkdirSync(env.OPS_HOME!, { recursive: true });
    writeFileSync(
      join(env.OPS_HOME!, 'config.yaml'),
      `agent:\n  metricsPort: ${agentMetrics}\n  probeIntervalS: 5\n  sampleIntervalS: 1\n`,
    );
    const plan = join(kit.dir, 'plan.yaml');
    writeFileSync(
      plan,
      `version: 1
deployment: ${deployment}
engines:
  - { name: coder, engine: llama.cpp, image: ${TEST_ENGINE_IMAGE}, model: ./smoke.gguf, contextLength: 2048, port: ${engine}, aliases: [quality, fast] }
gateway: { port: ${gatewayPort} }
monitoring: { prometheusPort: ${prometheus}, nodeExporterPort: ${nodeExporter}, scrapeIntervalS: 2 }
`,
    );
    const up = await runCli(['up', '--plan', plan, '--json'], env);
    assert.equal(up.code, 0, up.stderr);
    // The agent runs in its container (restart policy, comes back after a reboot) when its image is built, as
    // `make image` does; else as the host-process fallback.
    const agent = JSON.parse(up.stdout).agent as
      | { mode: 'container'; container: string }
      | { mode: 'process'; pid: number };
    assert.ok(agent.mode === 'container' ? agent.container.length > 0 : agent.pid > 0, JSON.stringify(agent));
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout);
    assert.deepEqual(
      status.monitoring.map((m: Record<string, string>) => [m.name, m.state]),
      [
        ['node-exporter', 'healthy'],
        ['prometheus', 'healthy'],
      ],
    );
    if (agent.mode === 'container') assert.equal(status.agent?.container, agent.container);

    // Real Prometheus scrapes each target, the agent included (up == 1 for every one).
    const names = await eventually('every target up', async () => {
      const res = await fetch(`http://127.0.0.1:${prometheus}/api/v1/query?query=up`);
      const body = (await res.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      const series = body.data.result;
      const all = series.map((s) => s.metric.ops_name ?? s.metric.job ?? '?');
      const ok = ['agent', 'coder', 'gateway', 'node-exporter'].every((n) => all.includes(n));
      return ok && series.every((s) => s.value[1] === '1') ? all.sort() : undefined;
    });
    assert.deepEqual(
      names.filter((n) => n !== 'prometheus'),
      ['agent', 'coder', 'gateway', 'node-exporter'],
    );

    // Two requests through the gateway reach the ledger (via the agent) and this month's report.
    const client = new Anthropic({
      baseURL: `http://127.0.0.1:${gatewayPort}`,
      apiKey: 'local',
      maxRetries: 0,
    });
    for (let i = 0; i < 2; i++) {
      await client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 4,
        messages: [{ role: 'user', content: 'hi' }],
      });
    }
    const tokens = await eventually('usage in the report', async () => {
      const report = await runCli(['report', '--format', 'json'], env);
      const t = JSON.parse(report.stdout).tokens;
      return t.local.requests === 2 ? t : undefined;
    });
    assert.deepEqual(
      tokens.byModel.map((t: Record<string, unknown>) => [t.model, t.requests, t.outputTokens]),
      [['claude-haiku-4-5', 2, 8]],
    );
    const uptime = JSON.parse((await runCli(['report', '--format', 'json'], env)).stdout).uptime;
    assert.ok(JSON.stringify(uptime).includes('gateway'), 'the agent probes the gateway');

    const down = await runCli(['down', '--json'], env);
    assert.equal(down.code, 0, down.stderr);
    const removed = JSON.parse(down.stdout).removed as string[];
    if (agent.mode === 'container') {
      assert.ok(
        removed.includes(agent.container),
        `the agent's container went with the deployment: ${removed}`,
      );
    } else {
      assert.ok(removed.includes('ops agent (host process)'), `${removed}`);
      assert.throws(() => process.kill(agent.pid, 0), 'the agent process is gone');
    }
    assert.match(
      readFileSync(join(env.OPS_HOME!, 'logs', 'agent.log'), 'utf8'),
      /agent stopped; ledger closed/,
    );
  });
});
