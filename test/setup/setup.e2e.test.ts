import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

describe('ops setup --yes on this machine (no GPU): from nothing to a healthy stack', {
  timeout: 600_000,
}, () => {
  let kit: DockerTestKit;
  let env: NodeJS.ProcessEnv;
  const deployment = testDeploymentName();
  let gatewayPort: number;
  let args: string[];

  beforeAll(async () => {
    kit = await dockerTestKit();
    env = { OPS_HOME: join(kit.dir, 'home') };
    gatewayPort = await freePort();
    args = [
      'setup',
      '--yes',
      // The random-weight smoke models, asked for: with no hub here, nothing else can be served.
      '--sources',
      'builtin',
      '--deployment',
      deployment,
      '--gateway-port',
      String(gatewayPort),
      '--port-base',
      String(await freePort()),
    ];
  });
  afterAll(async () => {
    await runCli(['down', '--deployment', deployment], env);
    await kit.cleanup(deployment);
  });

  it('without a terminal and without --yes it stops with a clear error instead of waiting', async () => {
    const r = await runCli(['setup'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no terminal to ask on/);
    assert.match(r.stderr, /hint: .*--yes/);
  });

  it('provisions (Docker satisfied, GPU steps not applicable), starts the stack, smoke-tests and prints the Claude Code lines', async () => {
    const r = await runCli(args, env, 500_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /host: docker-daemon \(satisfied\)/);
    assert.match(r.stderr, /host: nvidia-driver \(not-applicable\) — no NVIDIA GPU \(cpu-only\)/);
    assert.match(r.stdout, /profile cpu-only/);
    assert.match(r.stdout, /ops-smoke-bench/);
    assert.match(r.stdout, /smoke test: claude-sonnet-4-5 → .*: \d+ tokens/);
    // The short bench: one prompt size and one agent per engine, recorded in the ledger.
    assert.match(
      r.stdout,
      /benchmark: \S+ [\d.]+ tokens\/s decode.*, [\d.]+ tokens\/s prompt, first token after/,
    );
    assert.match(r.stdout, new RegExp(`export ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:${gatewayPort}`));
    assert.match(r.stdout, /export ANTHROPIC_DEFAULT_SONNET_MODEL=quality/);
    assert.match(r.stdout, /export ANTHROPIC_DEFAULT_HAIKU_MODEL=fast/);
    assert.match(r.stdout, /export API_TIMEOUT_MS=\d+/);
    assert.match(
      r.stdout,
      /Dashboards and monitoring:\n.*\/metrics\n {2}Prometheus: http:\/\/127\.0\.0\.1:\d+\n/,
    );
    // In its container where `make image` built ops/agent; a host process (which nothing restarts) without it.
    assert.match(
      r.stdout,
      / {2}agent: (container ops-\S+-agent, restarted with Docker|pid \d+ \(host process\))/,
    );
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as {
      gateway: { state: string };
    };
    assert.equal(status.gateway.state, 'healthy');
    // From now on ops plan shows this machine's measured speed for the models it plans, labelled.
    const plan = await runCli(['plan', '--sources', 'builtin', '--json'], env);
    assert.equal(plan.code, 0, plan.stderr);
    const speeds = (
      JSON.parse(plan.stdout).models as { speed: { decodeTokensPerS: { label: string } } }[]
    ).map((m) => m.speed.decodeTokensPerS.label);
    assert.ok(
      speeds.some((l) => /^measured \(\d{4}-\d{2}-\d{2}\)$/.test(l)),
      speeds.join(', '),
    );
  });

  it('a second run changes nothing: containers reused, files untouched', async () => {
    const home = env.OPS_HOME as string;
    const files = ['setup/answers.yaml', 'setup/plan.yaml', 'plan.yaml', 'config.yaml'].map((f) =>
      join(home, f),
    );
    const before = files.map((f) => [statSync(f).mtimeMs, readFileSync(f, 'utf8')]);
    const r = await runCli(args, env, 300_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /unchanged/);
    assert.doesNotMatch(r.stderr, /^ {2}[+~-] ops-/m, 'no container created, replaced or removed');
    assert.match(r.stdout, /resumed: provision, images, models, plan, up, smoke, bench, config/);
    assert.deepEqual(
      files.map((f) => [statSync(f).mtimeMs, readFileSync(f, 'utf8')]),
      before,
    );
  });

  it('ops doctor is green', async () => {
    const r = await runCli(['doctor', '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    assert.equal(report.ok, true);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    for (const id of ['docker-daemon', 'engines', 'gateway', 'ports', 'ledger', 'disk-space', 'clock'])
      assert.equal(byId[id], 'ok', id);
    assert.equal(byId['nvidia-driver'], 'skip');
  });
});

describe('ops setup --dry-run for another machine', () => {
  const home = mkdtempSync(join(tmpdir(), 'ops-setup-dry-'));
  const env = { OPS_HOME: home };
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const xml = join(FIXTURES, 'nvidia-smi', 'rtx-4090-x2-535.xml');

  it("Ubuntu 24.04 with 2×4090: the capture's driver counts, its CUDA 12.2 is too old for the engine image; toolkit, Docker and runtime-configure steps, in order; nothing changed", async () => {
    const r = await runCli(
      ['setup', '--dry-run', '--yes', '--json', '--nvidia-smi-xml', xml, '--distro', 'ubuntu-24.04'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      kind: string;
      steps: { id: string; status: string; detail: string; commands: string[] }[];
      cuda: { image: string; status: string; detail: string; fix: string }[];
    };
    assert.equal(result.kind, 'dry-run');
    const driver = result.steps.find((s) => s.id === 'nvidia-driver');
    assert.equal(driver?.status, 'satisfied');
    assert.match(driver?.detail ?? '', /driver 535\.183\.01/);
    assert.deepEqual(
      result.cuda.map((c) => [c.image, c.status]),
      [['ghcr.io/ggml-org/llama.cpp:server-cuda', 'fail']],
    );
    assert.match(
      result.cuda[0]?.detail ?? '',
      /needs CUDA 12\.8 \(ops table\); driver 535\.183\.01 \(in .*rtx-4090-x2-535\.xml\) supports CUDA 12\.2/,
    );
    assert.match(r.stderr, /driver flavour: open kernel modules: every card is Turing or newer/);
    const pending = result.steps.filter((s) => s.status === 'pending').map((s) => s.id);
    const expected = ['container-toolkit', 'docker-engine', 'docker-nvidia-runtime'];
    assert.deepEqual(
      pending.filter((id) => expected.includes(id)),
      expected,
    );
    assert.match(r.stderr, /dry run: nothing was changed/);
  });

  it('the same box with everything installed (a probe-host.sh facts file) shows the steps satisfied', async () => {
    const facts = join(FIXTURES, 'host-facts', 'ubuntu-24.04-4090x2-ready.facts');
    const r = await runCli(
      ['setup', '--dry-run', '--yes', '--nvidia-smi-xml', xml, '--host-facts', facts],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    for (const id of ['nvidia-driver', 'container-toolkit', 'docker-engine', 'docker-nvidia-runtime'])
      assert.match(r.stdout, new RegExp(`✓ \\d+\\. ${id} \\(satisfied\\)`));
  });

  it("Debian 13 with an RTX 5090 capture: open modules for Blackwell, NVIDIA's debian13 repository, the image fits CUDA 12.8", async () => {
    const r = await runCli(
      [
        'setup',
        '--dry-run',
        '--yes',
        '--json',
        '--nvidia-smi-xml',
        join(FIXTURES, 'nvidia-smi', 'rtx-5090-570.xml'),
        '--distro',
        'debian-13',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      cuda: { status: string; detail: string }[];
    };
    assert.equal(result.cuda[0]?.status, 'ok', result.cuda[0]?.detail);
    assert.match(r.stderr, /Host provisioning \(Debian GNU\/Linux 13\)/);
    assert.match(r.stderr, /required by Blackwell/);
  });

  it('describing another machine without --dry-run is refused', async () => {
    const r = await runCli(['setup', '--yes', '--distro', 'ubuntu-24.04'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /only with --dry-run/);
  });
});
