import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { parse, stringify } from 'yaml';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';
import { type GpuHost, prepareGpuHost } from '../support/simulated-gpu-host.js';

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
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface PlanEngine {
  name: string;
  model: string;
  gpus?: number[];
  args?: string[];
  port: number;
}

/**
 * Journeys 4 and 5 of the GPU owner (issue 13) on a box with two RTX 4090s: the simulated GPU host (nvidia-smi and
 * NVIDIA hook stand-ins, test/gpu-sim/README.md), or the same steps unchanged on a machine with real GPUs. Real
 * Docker, the real llama.cpp engine (the CPU image under the CUDA image's name), real gateway, agent and ledger. The
 * model's weights stand in too: the smoke model is written where the Plan expects the planned model.
 */
describe('journeys on two RTX 4090s: a layer-split Plan, GPU power in the report', {
  timeout: 300_000,
}, () => {
  let kit: DockerTestKit;
  let host: GpuHost | string;
  let env: NodeJS.ProcessEnv;
  let plan: { deployment: string; engines: PlanEngine[]; gateway: { port: number } };
  const deployment = testDeploymentName();

  before(async () => {
    kit = await dockerTestKit();
    host = await prepareGpuHost('rtx-4090-x2-535', 2);
    if (typeof host === 'string') return;
    env = { ...host.env, OPS_HOME: join(kit.dir, 'home') };
  });
  after(async () => {
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

  it('4: ops plan splits the planned model over both GPUs; ops up requests both and passes the split the planner chose', async (t) => {
    if (!ready(t)) return;
    // Small context and one agent keep the engine light; the 30B model still needs both cards at Q8_0.
    const planned = await runCli(
      [
        'plan',
        '--models',
        'qwen3-coder-30b-a3b',
        '--context',
        '8192',
        '--agents',
        '1',
        '--deployment',
        deployment,
        '--port-base',
        String(await freePort()),
        '--write',
      ],
      env,
    );
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /GPU0 NVIDIA GeForce RTX 4090 24 GiB, GPU1 NVIDIA GeForce RTX 4090 24 GiB/);
    const planFile = join(env.OPS_HOME as string, 'plan.proposed.yaml');
    plan = parse(readFileSync(planFile, 'utf8'));
    const engine = plan.engines[0] as PlanEngine;
    assert.deepEqual(engine.gpus, [0, 1], 'the Plan asks for both GPUs');
    const split = engine.args?.[(engine.args?.indexOf('-ts') ?? -2) + 1];
    assert.match(split ?? '', /^\d+,\d+$/, 'the planner chose a layer split (-ts a,b)');
    assert.match(planned.stdout, new RegExp(`-ts ${split}`), 'and says so');

    // Ports the test picks (the Plan's defaults may be taken on a shared machine); monitoring for journey 5.
    const [gatewayPort, prometheusPort, nodeExporterPort, agentPort] = (await Promise.all(
      Array.from({ length: 4 }, () => freePort()),
    )) as [number, number, number, number];
    plan.gateway.port = gatewayPort;
    writeFileSync(
      planFile,
      stringify({ ...plan, monitoring: { prometheusPort, nodeExporterPort, scrapeIntervalS: 5 } }),
    );
    writeFileSync(
      join(env.OPS_HOME as string, 'config.yaml'),
      `agent:\n  metricsPort: ${agentPort}\n  sampleIntervalS: 1\n  probeIntervalS: 5\n`,
    );
    const smoke = await runCli(['models', 'smoke', '--out', engine.model], env);
    assert.equal(smoke.code, 0, smoke.stderr);

    const up = await runCli(['up', '--plan', planFile, '--json'], env, 180_000);
    assert.equal(up.code, 0, up.stderr);
    const started = JSON.parse(up.stdout) as { engines: { name: string; state: string }[] };
    assert.deepEqual(
      started.engines.map((e) => [e.name, e.state]),
      [[engine.name, 'healthy']],
    );

    const [container] = await kit.docker.listContainers({
      filters: { label: [`ops.deployment=${deployment}`, 'ops.role=engine'] },
    });
    assert.ok(container, 'the engine container runs');
    const inspected = await kit.docker.getContainer(container.Id).inspect();
    assert.deepEqual(
      inspected.HostConfig.DeviceRequests?.map((r) => [r.DeviceIDs, r.Capabilities]),
      [[['0', '1'], [['gpu']]]],
      'both GPUs requested from the NVIDIA device driver',
    );
    const cmd = inspected.Config.Cmd ?? [];
    assert.equal(cmd[cmd.indexOf('-ts') + 1], split, 'the split the planner chose reaches llama-server');
    assert.equal(cmd[cmd.indexOf('-ngl') + 1], engine.args?.[engine.args.indexOf('-ngl') + 1]);

    const client = new Anthropic({
      baseURL: `http://127.0.0.1:${gatewayPort}`,
      apiKey: 'local',
      maxRetries: 0,
    });
    const answer = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(answer.type, 'message');
    assert.ok(answer.usage.output_tokens > 0);
  });

  it('5: the agent samples both GPUs’ power with nvidia-smi; the month’s report shows GPU energy in kWh', async (t) => {
    if (!ready(t) || !plan) return;
    const agentLog = join(env.OPS_HOME as string, 'logs', 'agent.log');
    const said = await eventually('the agent’s start-up lines', async () => {
      const log = readFileSync(agentLog, 'utf8');
      return /used for GPU power/.test(log) ? log : undefined;
    });
    assert.match(said, /nvidia-smi.*used for GPU power/);
    const energy = await eventually(
      'GPU energy for both GPUs in the report',
      async () => {
        const r = await runCli(['report', '--format', 'json'], env);
        const e = JSON.parse(r.stdout).energy as {
          gpu: { kWh: number };
          byDevice: { source: string; device: string; kWh: number }[];
        };
        const gpus = e.byDevice.filter((d) => d.source === 'gpu' && d.kWh > 0);
        return e.gpu.kWh > 0 && gpus.length === 2 ? e : undefined;
      },
      90_000,
    );
    assert.deepEqual(
      energy.byDevice
        .filter((d) => d.source === 'gpu')
        .map((d) => d.device)
        .sort(),
      ['gpu0', 'gpu1'],
    );
    const markdown = (await runCli(['report', '--format', 'md'], env)).stdout;
    assert.match(markdown, /\| GPU \| [\d.,]+ kWh \|/);
    assert.match(markdown, /\| gpu0 \| [\d.,]+ kWh \|/);
  });
});
