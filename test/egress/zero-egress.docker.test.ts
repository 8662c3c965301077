import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { resolveStateDir } from '../../src/core/state-dir.js';
import { opsProcesses } from '../../src/egress/egress-check.js';
import { leavingSockets } from '../../src/egress/process-sockets.js';
import { QUIET_CLAUDE_CODE_ENV } from '../../src/egress/quiet-client-env.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import type { MonthlyReport } from '../../src/report/types.js';
import { stopHostAgent } from '../../src/runtime/host-agent-process.js';
import { describeUnless } from '../support/describe-unless.js';
import {
  type DockerTestKit,
  dockerTestKit,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { SealedNamespace } from './sealed-namespace.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const OPS = resolve('bin/ops.js');
const GATEWAY_PORT = 4000;

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const cannot =
  process.getuid?.() !== 0
    ? 'needs root (ip netns, nft)'
    : !has('ip') || !has('nft')
      ? 'needs iproute2 and nftables (scripts/ensure-test-tools.sh)'
      : !existsSync(CLAUDE) && 'Claude Code CLI not installed';

/** A line of JSON from a child's stdout, or a failure with its stderr when it ends first. */
function firstJsonLine(child: ChildProcess, timeoutMs: number): Promise<Record<string, unknown>> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = `${stderr}${d}`.slice(-6000)));
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no ready line in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      done(JSON.parse(line));
    });
    child.once('exit', (code) => fail(new Error(`exited ${code} before it was ready:\n${stderr}`)));
  });
}

/**
 * Zero egress, proven. The whole stack runs in a network namespace with no route out: the real llama.cpp engine,
 * the gateway and Prometheus (containers in the namespace), the agent ops starts, the scripted model for the tool
 * round trip, and the real Claude Code CLI; then `ops report`. Every packet any of them sends beyond loopback is
 * recorded by nftables in that namespace (sealed-namespace.ts). A control attempt first shows the recorder sees one.
 */
describeUnless(
  cannot,
  'zero egress: the stack and Claude Code in a namespace with no route out',
  { timeout: 300_000 },
  () => {
    let kit: DockerTestKit;
    let ns: SealedNamespace;
    let stack: ChildProcess | undefined;
    let home: string;
    let work: string;
    const deployment = testDeploymentName();
    const holder = testDeploymentName();
    const env = () => ({ PATH: process.env.PATH, OPS_HOME: home, HOME: work });

    beforeAll(async () => {
      kit = await dockerTestKit();
      home = join(kit.dir, 'home');
      work = join(kit.dir, 'work');
      mkdirSync(home);
      mkdirSync(work);
      ns = await SealedNamespace.create(kit.docker, holder, TEST_ENGINE_IMAGE);
    });
    afterAll(async () => {
      stack?.kill('SIGTERM');
      if (home)
        await stopHostAgent(resolveStateDir({ OPS_HOME: home }), new EventBus()).catch(() => undefined);
      await ns?.close();
      await kit?.cleanup(deployment, holder);
    });

    it('records an attempt to leave (control), and the doctor check names it', async () => {
      const probe = ns.spawn([
        process.execPath,
        '-e',
        "require('net').connect(443,'203.0.113.7').on('error',()=>{});setTimeout(()=>{},30000)",
      ]);
      try {
        // The half-open socket shows in the process's table; `ip netns exec` runs the program in its own pid.
        let seen: ReturnType<typeof leavingSockets>['sockets'] = [];
        for (let i = 0; i < 50 && seen.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          seen = leavingSockets([{ pid: probe.pid!, owner: 'control' }]).sockets;
        }
        assert.deepEqual(
          seen.map((s) => [s.remote.address, s.remote.port, s.state]),
          [['203.0.113.7', 443, 'syn-sent']],
        );
        const { attempts, packets } = await ns.attempts();
        assert.deepEqual(attempts, [{ address: '203.0.113.7', protocol: 'tcp', port: 443 }]);
        assert.ok(packets >= 1);
      } finally {
        probe.kill('SIGKILL');
      }
      await ns.clear();
      assert.deepEqual(await ns.attempts(), { attempts: [], packets: 0 });
    });

    it('runs the stack, a Claude Code tool round trip, a Claude Code answer from llama.cpp, the agent, Prometheus and the report, and nothing tries to leave', async () => {
      const model = join(kit.dir, 'smoke.gguf');
      await writeSmokeModel({ out: model, size: 'tiny', seed: 5 });
      // Random weights never end a turn; a logit bias on end-of-turn makes them (as in claude-code-llama.docker.test.ts).
      const eot = Number((await readGgufFile(model)).metadata['tokenizer.ggml.eot_token_id']?.value);
      writeFileSync(join(home, 'config.yaml'), 'agent:\n  probeIntervalS: 2\n  sampleIntervalS: 1\n');
      const planTemplate = JSON.stringify({
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'local',
            image: TEST_ENGINE_IMAGE,
            model,
            contextLength: 16384,
            parallel: 1,
            port: 8080,
            healthTimeoutS: 120,
            args: ['--logit-bias', `${eot}+35`],
          },
          // The scripted model (the driver fills in its URL) plays the model's judgement for the tool call.
          { engine: 'external', name: 'scripted', baseUrl: 'http://127.0.0.1:1/v1', contextLength: 131072 },
        ],
        gateway: { port: GATEWAY_PORT },
        monitoring: { scrapeIntervalS: 2 },
      });
      const target = join(work, 'hello.txt');
      stack = ns.spawn([process.execPath, '--import', 'tsx', resolve('test/egress/stack-in-namespace.ts')], {
        env: { ...env() },
        stdin: 'pipe',
      });
      stack.stdin?.end(JSON.stringify({ holderId: ns.holderId, planTemplate, writeTarget: target }));
      const ready = await firstJsonLine(stack, 180_000);
      assert.equal(ready.ready, true);
      // Its container (ops/agent built) or, without the image, a host process: either is watched below.
      assert.ok(ready.agent, 'ops started its agent');
      // What tried to leave, phase by phase, so a failure says which part of the stack it was.
      const leaks: { phase: string; attempts: unknown[]; packets: number }[] = [];
      const checkpoint = async (phase: string) => {
        const seen = await ns.attempts();
        if (seen.packets > 0 || seen.attempts.length > 0) leaks.push({ phase, ...seen });
        await ns.clear();
      };
      await checkpoint('ops up: engine, gateway, Prometheus, agent start');

      const claude = (args: string[], model: string) =>
        ns.run([CLAUDE, ...args], {
          cwd: work,
          timeoutMs: 150_000,
          env: {
            PATH: process.env.PATH,
            HOME: work,
            CLAUDE_CONFIG_DIR: join(work, '.claude'),
            ANTHROPIC_BASE_URL: `http://127.0.0.1:${GATEWAY_PORT}`,
            ANTHROPIC_AUTH_TOKEN: 'local',
            ANTHROPIC_MODEL: model,
            ANTHROPIC_SMALL_FAST_MODEL: model,
            CLAUDE_CODE_MAX_OUTPUT_TOKENS: '256',
            API_TIMEOUT_MS: '120000',
            ...QUIET_CLAUDE_CODE_ENV,
          },
        });
      // --dangerously-skip-permissions is refused under root; allowing the one tool works for any user.
      const tool = await claude(
        ['-p', 'create hello.txt containing hi', '--allowedTools', 'Write'],
        'scripted',
      );
      assert.equal(
        tool.code,
        0,
        `claude exited ${tool.code}\nstdout: ${tool.stdout}\nstderr: ${tool.stderr}`,
      );
      assert.match(tool.stdout, /done/);
      assert.equal(readFileSync(target, 'utf8'), 'hi');
      await checkpoint('Claude Code tool round trip');
      // The real engine: a short system prompt and no tools keep a CPU prefill short (claude-code-llama.docker.test.ts).
      const answer = await claude(
        ['-p', 'say hello', '--tools', '', '--system-prompt', 'Answer briefly.'],
        'local',
      );
      assert.equal(
        answer.code,
        0,
        `claude exited ${answer.code}\nstdout: ${answer.stdout}\nstderr: ${answer.stderr}`,
      );

      await checkpoint('Claude Code answer from llama.cpp');

      // Prometheus scrapes every target it was given (engine, gateway, agent, itself), all on loopback here.
      const query = async () => {
        const r = await ns.run([
          process.execPath,
          '-e',
          `fetch(${JSON.stringify(`${ready.prometheus}/api/v1/query?query=up`)}).then(r=>r.text()).then(t=>process.stdout.write(t))`,
        ]);
        return JSON.parse(r.stdout).data.result as { metric: { job: string }; value: [number, string] }[];
      };
      let up: Awaited<ReturnType<typeof query>> = [];
      for (let i = 0; i < 30; i++) {
        up = await query();
        if (up.length >= 3 && up.every((s) => s.value[1] === '1')) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.ok(up.length >= 3 && up.every((s) => s.value[1] === '1'), JSON.stringify(up));
      await checkpoint('Prometheus scrapes');

      // The agent imports the gateway's usage spool into the ledger; the report reads it.
      let report: MonthlyReport | undefined;
      for (let i = 0; i < 20; i++) {
        const r = await ns.run([process.execPath, OPS, 'report', '--format', 'json'], { env: env() });
        assert.equal(r.code, 0, r.stderr);
        report = JSON.parse(r.stdout) as MonthlyReport;
        if (report.tokens.local.requests >= 2) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.ok(report && report.tokens.local.requests >= 2, JSON.stringify(report?.tokens));

      // The doctor's egress check over this deployment's processes and the agent: nothing beyond loopback.
      const processes = await opsProcesses(resolveStateDir({ OPS_HOME: home }), kit.runtime, deployment);
      assert.ok(processes.length >= 4, JSON.stringify(processes));
      assert.deepEqual(leavingSockets(processes).sockets, []);

      await checkpoint('agent, spool import and ops report');
      // And the recorder saw no packet leave, from anything, the whole time.
      assert.deepEqual(leaks, []);
    });
  },
);
