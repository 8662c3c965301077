import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { applyFix, loadAgenticTasks } from '../../src/eval/agentic-tasks.js';
import { RELAY_SOCKET, startGatewayRelay } from '../../src/eval/gateway-relay.js';
import type { EvalRun } from '../../src/eval/run-eval.js';
import { runInSandbox } from '../../src/eval/sandbox.js';
import type { AgenticTask } from '../../src/eval/types.js';
import { DEFAULT_SANDBOX_TAG } from '../../src/images/sandbox-image.js';
import { type GatewayFixture, startFixture } from '../gateway/gateway-fixture.js';
import type { LooseJson, ScriptedReply } from '../gateway/scripted-openai-upstream.js';
import { type DockerTestKit, dockerTestKit, testDeploymentName } from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

const REPO = '/work/repo';

/**
 * What the scripted upstream (standing in for a model's judgement) makes Claude Code do for one task, one tool call
 * per turn: Read the file (Claude Code refuses to edit a file it has not read), then the edits, then "done".
 */
function toolPlan(task: AgenticTask, kind: 'fix' | 'wrong-fix' | 'rewrite-tests'): ScriptedReply[] {
  const read = (file: string): ScriptedReply => ({
    toolCalls: [{ name: 'Read', arguments: JSON.stringify({ file_path: `${REPO}/${file}` }) }],
  });
  const edit = (file: string, old: string, next: string): ScriptedReply => ({
    toolCalls: [
      {
        name: 'Edit',
        arguments: JSON.stringify({ file_path: `${REPO}/${file}`, old_string: old, new_string: next }),
      },
    ],
  });
  const fix = task.fix[0]!;
  if (kind === 'fix') return [read(fix.file), ...task.fix.map((e) => edit(e.file, e.old, e.new))];
  if (kind === 'wrong-fix') return [read(fix.file), edit(fix.file, fix.old, `${fix.old}\n`)];
  // Makes its own test run pass by gutting the tests: the fresh grading run restores them, so it fails.
  const test = task.tests[0]!;
  return [
    read(test),
    {
      toolCalls: [
        { name: 'Write', arguments: JSON.stringify({ file_path: `${REPO}/${test}`, content: '\n' }) },
      ],
    },
  ];
}

// Done-when of issue 15 for the agentic suite: the real Claude Code CLI, inside the real sandbox, through the real
// gateway to a scripted upstream; the completion rate must be exactly the scripted one.
describe('agentic suite (docker: sandbox + Claude Code)', () => {
  let kit: DockerTestKit;
  const deployment = testDeploymentName();
  const tasks = loadAgenticTasks();

  beforeAll(async () => {
    kit = await dockerTestKit();
    assert.ok(await kit.runtime.imageExists(DEFAULT_SANDBOX_TAG), 'run `ops images build sandbox` first');
  });
  afterAll(async () => {
    const left = await kit.runtime.list({ 'ops.deployment': deployment });
    await kit.cleanup(deployment);
    assert.equal(left.length, 0, 'every sandbox container is removed after its run');
  });

  it('every task fails as shipped and passes with its fix, in the sandbox (one container for all)', async () => {
    const files: Record<string, string> = {};
    const steps: string[] = [];
    for (const task of tasks) {
      for (const [state, tree] of [
        ['shipped', task.files],
        ['fixed', applyFix(task.files, task.fix)],
      ] as const) {
        for (const [path, text] of Object.entries(tree)) files[`${task.id}/${state}/${path}`] = text;
        const command = task.test.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
        steps.push(`(cd ${task.id}/${state} && ${command}) >/dev/null 2>&1; echo "${task.id} ${state} $?"`);
      }
    }
    const result = await runInSandbox(kit.runtime, {
      deployment,
      files,
      command: ['sh', '-c', steps.join('\n')],
      limits: { timeoutMs: 60_000 },
    });
    assert.equal(result.exitCode, 0, result.output);
    for (const task of tasks) {
      assert.match(
        result.output,
        new RegExp(`^${task.id} shipped [1-9]\\d*$`, 'm'),
        `${task.id} fails as shipped`,
      );
      assert.match(result.output, new RegExp(`^${task.id} fixed 0$`, 'm'), `${task.id} passes with its fix`);
    }
  });

  it('from inside the sandbox the relay reaches the gateway, and nothing else is reachable', async () => {
    const fx = await startFixture([]);
    const relay = await startGatewayRelay(fx.url);
    // A server on every host address: a sandbox with any route to the host would reach it.
    const host = http.createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => host.listen(0, '0.0.0.0', resolve));
    const port = (host.address() as AddressInfo).port;
    const hostIp = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    try {
      assert.ok(hostIp, 'the host has an IPv4 address');
      assert.equal(
        await (await fetch(`http://${hostIp}:${port}/`)).text(),
        'reached',
        'control: reachable from the host',
      );
      const probe = `
        const net = require('node:net');
        const open = (o) => new Promise((r) => { const s = net.connect(o); s.setTimeout(3000);
          s.on('connect', () => { s.destroy(); r('open'); }); s.on('error', (e) => r(e.code));
          s.on('timeout', () => { s.destroy(); r('timeout'); }); });
        const get = () => new Promise((r) => { const s = net.connect('/run/ops-relay/${RELAY_SOCKET}');
          let d = ''; s.on('connect', () => s.write('GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n'));
          s.on('data', (c) => (d += c)); s.on('end', () => r(d.split('\\r\\n')[0])); s.on('error', (e) => r(e.code)); });
        (async () => console.log(JSON.stringify({
          hostAddress: await open({ host: '${hostIp}', port: ${port} }),
          dockerBridge: await open({ host: '172.17.0.1', port: ${port} }),
          ownLoopback: await open({ host: '127.0.0.1', port: ${port} }),
          internet: await open({ host: '1.1.1.1', port: 443 }),
          gateway: await get(),
        })))();`;
      const result = await runInSandbox(kit.runtime, {
        deployment,
        files: {},
        command: ['node', '-e', probe],
        mounts: [{ source: relay.dir, target: '/run/ops-relay' }],
      });
      assert.equal(result.exitCode, 0, result.output);
      const seen = JSON.parse(result.output.trim().split('\n').at(-1)!);
      assert.equal(seen.gateway, 'HTTP/1.1 200 OK');
      for (const where of ['hostAddress', 'dockerBridge', 'ownLoopback', 'internet'])
        assert.match(seen[where], /^(ENETUNREACH|ECONNREFUSED|EHOSTUNREACH)$/, `${where}: ${seen[where]}`);
      assert.equal(relay.connections(), 1);
    } finally {
      host.close();
      await relay.close();
      await fx.close();
    }
  });

  it('ops eval --suite agentic gives exactly the scripted completion rate and stores it', async () => {
    const kinds = ['fix', 'wrong-fix', 'fix', 'rewrite-tests'] as const;
    const plans = tasks.map((task, i) => ({
      needle: JSON.stringify(task.prompt).slice(1, -1),
      steps: toolPlan(task, kinds[i % kinds.length]!),
    }));
    const expected = tasks.filter((_, i) => kinds[i % kinds.length] === 'fix').length;
    const fx: GatewayFixture = await startFixture(
      (body: LooseJson) => {
        const plan = plans.find((p) => JSON.stringify(body.messages).includes(p.needle));
        if (!plan || !body.tools?.length) return { text: 'ok' };
        const results = body.messages.filter((m: LooseJson) => m.role === 'tool').length;
        return plan.steps[results] ?? { text: 'done' };
      },
      // Claude Code's system prompt and tools take ~20k tokens: give it a slot that holds them.
      { descriptor: { contextLength: 131072, parallel: 2 } },
    );
    const home = mkdtempSync(join(tmpdir(), 'ops-agentic-'));
    try {
      const result = await runCli(
        [
          'eval',
          '--suite',
          'agentic',
          '--gateway',
          fx.url,
          '--model',
          'quality',
          '--concurrency',
          '2',
          '--json',
        ],
        { OPS_HOME: home },
        240_000,
      );
      assert.equal(result.code, 0, result.stderr);
      const run = JSON.parse(result.stdout) as EvalRun;
      const agentic = run.results[0]!;
      assert.equal(agentic.kind, 'agentic');
      assert.deepEqual(
        { passed: agentic.overall.passed, total: agentic.overall.total },
        { passed: expected, total: tasks.length },
        JSON.stringify(agentic.outcomes, null, 1),
      );
      for (const [i, outcome] of agentic.outcomes.entries())
        assert.equal(outcome.passed, kinds[i % kinds.length] === 'fix', `${outcome.id}: ${outcome.detail}`);
      // Claude Code spoke the Anthropic API to the gateway, which asked the upstream with its tools.
      const chats = fx.upstream.requests.filter((r) =>
        r.body?.tools?.some((t: LooseJson) => t.function.name === 'Edit'),
      );
      assert.ok(chats.length >= tasks.length * 3);
      assert.ok(fx.usage.length > 0 && fx.usage.every((u) => u.api === 'anthropic'));
      const db = new Database(join(home, 'ledger.sqlite'), { readonly: true });
      const rows = db.prepare('SELECT suite, kind, passed, total FROM eval_runs').all();
      db.close();
      assert.deepEqual(rows, [{ suite: 'agentic', kind: 'agentic', passed: expected, total: tasks.length }]);
    } finally {
      await fx.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
