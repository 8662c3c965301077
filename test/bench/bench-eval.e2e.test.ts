import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { EngineBench } from '../../src/bench/types.js';
import type { EvalRun } from '../../src/eval/run-eval.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import type { MonthlyReport } from '../../src/report/types.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

// Issue 15's end-to-end check: ops bench and ops eval against the real llama.cpp engine serving the smoke model,
// through the real gateway container. The smoke model's answers are noise, so what is checked is the pipeline:
// timings that make sense, every task graded, results in the ledger and in the report's quality section.
describe('ops bench and ops eval on the smoke model (e2e)', { timeout: 480_000 }, () => {
  let kit: DockerTestKit;
  let env: NodeJS.ProcessEnv;
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    env = { OPS_HOME: join(kit.dir, 'home') };
    await writeSmokeModel({ out: join(kit.dir, 'smoke.gguf'), size: 'tiny', seed: 3 });
    const plan = join(kit.dir, 'plan.yaml');
    writeFileSync(
      plan,
      `version: 1
deployment: ${deployment}
engines:
  - name: coder
    engine: llama.cpp
    image: ${TEST_ENGINE_IMAGE}
    model: ./smoke.gguf
    contextLength: 8192
    parallel: 2
    port: ${await freePort()}
    aliases: [quality]
gateway:
  port: ${await freePort()}
`,
    );
    const up = await runCli(['up', '--plan', plan, '--json'], env);
    assert.equal(up.code, 0, up.stderr);
  });
  afterAll(async () => {
    await runCli(['down'], env).catch(() => undefined);
    await kit.cleanup(deployment);
  });

  it('ops bench measures decode, prompt processing, TTFT cold and warm and 1..slots agents', async () => {
    const result = await runCli(['bench', '--json', '--output-tokens', '24'], env);
    assert.equal(result.code, 0, result.stderr);
    const [bench] = JSON.parse(result.stdout) as EngineBench[];
    assert.equal(bench!.engine, 'coder');
    assert.equal(bench!.contextPerSlot, 4096);
    assert.deepEqual(
      bench!.prompts.map((p) => p.targetTokens),
      [2048],
    );
    assert.deepEqual(bench!.skippedSizes, [20000, 60000]);
    const p = bench!.prompts[0]!;
    assert.ok(
      Math.abs(p.promptTokens - 2048) < 2048 * 0.15,
      `asked 2048 prompt tokens, sent ${p.promptTokens}`,
    );
    assert.ok(
      p.warmTtftMs < p.coldTtftMs,
      `warm ${p.warmTtftMs} ms < cold ${p.coldTtftMs} ms (prompt cache)`,
    );
    assert.deepEqual(
      bench!.concurrency.map((c) => c.agents),
      [1, 2],
    );
    assert.ok(bench!.decodeTokensPerS > 0 && bench!.promptTokensPerS > 0);
    const ref = bench!.reference!;
    assert.equal(ref.bandwidthSource, 'assumed-cpu');
    assert.ok(ref.plannerTokensPerS < ref.rooflineTokensPerS);
    assert.ok(bench!.decodeTokensPerS < ref.rooflineTokensPerS, 'nothing decodes above the roofline');
    const human = await runCli(['bench', '--no-store', '--sizes', '512', '--output-tokens', '8'], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /decode\s+[\d.]+ tokens\/s\s+planner [\d.]+, roofline [\d.]+/);
  });

  it('ops eval grades the served model in the sandbox and the report shows the quality section', async () => {
    const result = await runCli(
      [
        'eval',
        ...['--suite', 'builtin,tools', '--limit', '2', '--model', 'quality'],
        // The smoke model's answers are noise: short ones keep the run quick.
        ...['--timeout', '10', '--max-tokens', '48', '--json'],
      ],
      env,
      280_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as EvalRun;
    const [builtin, tools] = run.results;
    assert.equal(builtin!.overall.total, 2);
    assert.equal(tools!.overall.total, 2);
    for (const r of [builtin!, tools!]) {
      assert.ok(
        r.outcomes.every((o) => o.status !== 'error'),
        JSON.stringify(r.outcomes.map((o) => o.detail)),
      );
      assert.ok(r.meanLatencyMs > 0);
    }
    const report = await runCli(['report', '--format', 'json'], env);
    assert.equal(report.code, 0, report.stderr);
    const q = (JSON.parse(report.stdout) as MonthlyReport).quality!;
    assert.deepEqual(
      q.lines.map((l) => [l.suite, l.total]),
      [
        ['builtin', 2],
        ['tools', 2],
      ],
    );
    assert.match(q.criteria[1]!.value, /no stored baseline/);
    const md = await runCli(['report', '--format', 'md'], env);
    assert.match(md.stdout, /## Coding quality \(ops eval\)/);
  });
  // Claude Code's first request (system prompt + tool definitions) is ~96K tokens in the smoke model's byte
  // vocabulary, past this engine's 4K slot: the gateway answers "prompt is too long", Claude Code stops, and the
  // unchanged repository fails its tests. Serving that prompt on a CPU would take minutes; what is checked here is
  // the pipeline: Claude Code in the sandbox, the relay to the real gateway, its answer, the grading run, the
  // ledger and the report's completion line.
  it('ops eval --suite agentic runs Claude Code in the sandbox against the gateway, and the report has a completion line', async () => {
    const result = await runCli(
      [
        'eval',
        ...['--suite', 'agentic', '--limit', '1', '--model', 'quality', '--agent-timeout', '150', '--json'],
      ],
      env,
      240_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const [agentic] = (JSON.parse(result.stdout) as EvalRun).results;
    assert.equal(agentic!.kind, 'agentic');
    const [outcome] = agentic!.outcomes;
    assert.equal(outcome!.status, 'failed', outcome!.detail);
    assert.match(outcome!.detail!, /claude exit \d+, \d+ turns: Prompt is too long/);
    assert.match(outcome!.detail!, /tests: .*FAILED/s, 'the repository was tested afterwards');
    assert.ok(outcome!.latencyMs > 0 && outcome!.testMs > 0);
    const report = await runCli(['report', '--format', 'json'], env);
    assert.equal(report.code, 0, report.stderr);
    const completion = (JSON.parse(report.stdout) as MonthlyReport).quality!.criteria[0]!;
    assert.equal(completion.name, 'Task completion vs cloud');
    assert.equal(completion.value, '0% locally, no stored baseline');
  });
});
