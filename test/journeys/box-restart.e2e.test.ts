import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultAgentTag } from '../../src/images/agent-image.js';
import { probeHealth } from '../../src/runtime/wait-for-health.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';
import { type GpuHost, prepareGpuHost } from '../support/simulated-gpu-host.js';

const RESTART_SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'ensure-gpu-sim-docker.sh');
const PROBE_INTERVAL_S = 2;

/** Polls `probe` until it returns a value, or fails after `timeoutMs` with the last error it saw. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await probe().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Host processes running `ops agent` for this state directory (the old way, which nothing restarts). */
function hostAgentProcesses(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.some((a) => a.endsWith('ops.js')) || !cmdline.includes('agent')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`OPS_HOME=${home}`))
        found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

interface UptimeJson {
  primaryTarget: string | null;
  downMinutes: number;
  targets: { target: string; expectedSlots: number; upSlots: number }[];
}

/**
 * Journey 6 of the GPU owner (issue 13): the box restarts. Here the Docker daemon the project started is restarted
 * (scripts/ensure-gpu-sim-docker.sh --restart, which refuses a daemon ops did not start: the journey then skips and
 * says why), which stops every container and every process in them, as a reboot does; no agent runs outside a
 * container to survive it. With nothing typed, the engine, gateway, monitoring and agent come back and answer, and
 * the month's report counts the gap as down, and no more. Real Docker, llama.cpp, gateway, Prometheus, agent and
 * ledger on the simulated 1×4090 host.
 */
describe('journey 6: the box restarts and everything comes back by itself', { timeout: 420_000 }, () => {
  let kit: DockerTestKit;
  let host: GpuHost | string;
  let env: NodeJS.ProcessEnv;
  let home: string;
  const deployment = testDeploymentName();
  const ports = { gateway: 0, prometheus: 0, nodeExporter: 0, agent: 0, engine: 0 };

  beforeAll(async () => {
    kit = await dockerTestKit();
    host = await prepareGpuHost('rtx-4090-550', 1);
    if (typeof host !== 'string' && host.kind === 'real')
      host = 'a machine with real GPUs is not rebooted by a test';
    if (typeof host === 'string') return;
    const check = await promisify(execFile)('bash', [RESTART_SCRIPT, '--restart', '--check']).catch(
      (e: { code?: number; stderr?: string }) => e,
    );
    if ('code' in check && check.code) {
      host.cleanup();
      host = `the Docker daemon is not ops's to restart: ${String(check.stderr).trim()}`;
      return;
    }
    home = join(kit.dir, 'home');
    env = { ...host.env, OPS_HOME: home };
    for (const key of Object.keys(ports)) ports[key as keyof typeof ports] = await freePort();
  });
  afterAll(async () => {
    if (typeof host !== 'string') {
      await runCli(['down', '--deployment', deployment], env);
      host.cleanup();
    }
    await kit.cleanup(deployment);
  });
  const ready = (t: TestContext): boolean => {
    if (typeof host === 'string') t.skip(host);
    return typeof host !== 'string';
  };

  it('comes back after the Docker daemon restarts; ops report counts only the gap as down', async (t) => {
    if (!ready(t)) return;
    assert.ok(
      await kit.runtime.imageExists(defaultAgentTag()),
      `${defaultAgentTag()} is built by \`make image\` (ops images build agent)`,
    );
    // A GPU Plan through the CLI, small enough for the CPU engine that stands in for the CUDA one.
    const planned = await runCli(
      [
        ...['plan', '--sources', 'builtin', '--context', '4096', '--agents', '1'],
        ...['--deployment', deployment, '--port-base', String(ports.engine), '--write'],
      ],
      env,
    );
    assert.equal(planned.code, 0, planned.stderr);
    const planFile = join(home, 'plan.proposed.yaml');
    const plan = parse(readFileSync(planFile, 'utf8'));
    assert.deepEqual(plan.engines[0].gpus, [0], 'a GPU Plan');
    plan.gateway.port = ports.gateway;
    plan.monitoring = {
      prometheusPort: ports.prometheus,
      nodeExporterPort: ports.nodeExporter,
      scrapeIntervalS: 5,
    };
    writeFileSync(planFile, stringify(plan));
    writeFileSync(
      join(home, 'config.yaml'),
      `agent:\n  metricsPort: ${ports.agent}\n  sampleIntervalS: 1\n  probeIntervalS: ${PROBE_INTERVAL_S}\n`,
    );
    const up = await runCli(['up', '--plan', planFile, '--json'], env, 240_000);
    assert.equal(up.code, 0, up.stderr);
    const started = JSON.parse(up.stdout) as { agent?: { mode: string } };
    assert.equal(started.agent?.mode, 'container', 'the agent runs in its container');

    // Everything ops runs has a restart policy; no agent runs as a host process.
    const containers = await kit.docker.listContainers({
      filters: { label: [`ops.deployment=${deployment}`] },
    });
    const roles = containers.map((c) => c.Labels['ops.role']).sort();
    assert.deepEqual([...new Set(roles)], ['agent', 'engine', 'gateway', 'monitoring']);
    for (const c of containers) {
      const inspected = await kit.docker.getContainer(c.Id).inspect();
      assert.equal(inspected.HostConfig.RestartPolicy?.Name, 'unless-stopped', c.Names[0]);
    }
    assert.deepEqual(hostAgentProcesses(home), [], 'no ops agent host process');
    const agentSaid = await runCli(['agent', 'status', '--json'], env);
    assert.equal(agentSaid.code, 0, agentSaid.stderr);
    assert.equal((JSON.parse(agentSaid.stdout) as { mode: string }).mode, 'container');
    assert.equal(existsSync(join(home, 'agent.json')), false, 'no host agent pid file');
    const agentId = containers.find((c) => c.Labels['ops.role'] === 'agent')?.Id as string;
    const before = await kit.docker.getContainer(agentId).inspect();

    // Probes before the restart: the gateway is up in the ledger.
    const report = async (): Promise<UptimeJson> => {
      const r = await runCli(['report', '--format', 'json'], env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).uptime as UptimeJson;
    };
    await eventually(
      'probes of the gateway in the ledger',
      async () => {
        const u = await report();
        return (u.targets.find((x) => x.target === 'gateway')?.upSlots ?? 0) >= 3 ? u : undefined;
      },
      60_000,
    );
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    assert.ok(await probeHealth(`${gateway}/health`), 'the gateway answers before the restart');

    // The box restarts: the daemon stops every container (and so the agent), then starts again.
    const downFrom = Date.now();
    await promisify(execFile)('bash', [RESTART_SCRIPT, '--restart'], { timeout: 180_000 });
    const daemonBack = Date.now();
    console.log(`Docker daemon restarted in ${((daemonBack - downFrom) / 1000).toFixed(1)} s`);

    // Nothing typed: each part answers again by itself.
    await eventually('the gateway and its engine', () => probe(`${gateway}/health`), 180_000);
    const upAgain = Date.now();
    await eventually('Prometheus', () => probe(`http://127.0.0.1:${ports.prometheus}/-/ready`), 60_000);
    await eventually('the agent', () => probe(`http://127.0.0.1:${ports.agent}/metrics`), 60_000);
    const after = await kit.docker.getContainer(agentId).inspect();
    assert.ok(after.State.Running, 'the same agent container runs again');
    assert.ok(
      Date.parse(after.State.StartedAt) > Date.parse(before.State.StartedAt),
      'started again by Docker after the restart',
    );
    assert.deepEqual(hostAgentProcesses(home), [], 'still no ops agent host process');
    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as {
      engines: { state: string }[];
      gateway: { state: string };
      agent: { mode: string; state: string; healthy: boolean };
    };
    assert.deepEqual(
      s.engines.map((e) => e.state),
      ['healthy'],
    );
    assert.equal(s.gateway.state, 'healthy');
    assert.deepEqual([s.agent.mode, s.agent.state, s.agent.healthy], ['container', 'running', true]);
    const doctor = await runCli(['doctor', '--json'], env);
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] })
      .checks;
    const agentLine = checks.find((c) => c.id === 'agent');
    assert.equal(agentLine?.status, 'ok', JSON.stringify(agentLine));
    assert.match(agentLine?.detail ?? '', /restarted with Docker/);

    // A few probes after the gap, then the report: the gap is down, the time around it is not.
    await new Promise((r) => setTimeout(r, 4 * PROBE_INTERVAL_S * 1000));
    const uptime = await report();
    const gateway_ = uptime.targets.find((x) => x.target === 'gateway');
    assert.equal(uptime.primaryTarget, 'gateway');
    const downS = uptime.downMinutes * 60;
    const gapS = (upAgain - downFrom) / 1000;
    console.log(
      `gap ${gapS.toFixed(1)} s (daemon ${((daemonBack - downFrom) / 1000).toFixed(1)} s), report: ${downS.toFixed(0)} s down, ${gateway_?.upSlots}/${gateway_?.expectedSlots} slots up`,
    );
    // The slots of the gap are down (within a probe interval at each edge, plus the slot the report runs in)…
    assert.ok(
      downS >= (daemonBack - downFrom) / 1000 - 2 * PROBE_INTERVAL_S,
      `the gap is counted as down: ${downS} s`,
    );
    // …and nothing else: not the time before it, not the time after the gateway answered again.
    assert.ok(downS <= gapS + 3 * PROBE_INTERVAL_S, `only the gap is down: ${downS} s for a ${gapS} s gap`);
    assert.ok((gateway_?.upSlots ?? 0) >= 5, 'probes before and after the gap are up');

    // `ops down` takes the agent with the deployment.
    const down = await runCli(['down', '--json'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(
      (JSON.parse(down.stdout) as { removed: string[] }).removed.includes(`ops-${deployment}-agent`),
      down.stdout,
    );
    const left = await kit.docker.listContainers({
      all: true,
      filters: { label: [`ops.deployment=${deployment}`] },
    });
    assert.deepEqual(left, []);
  });
});

/** undefined until `url` answers 2xx (for eventually). */
async function probe(url: string): Promise<true | undefined> {
  return (await probeHealth(url)) ? true : undefined;
}
