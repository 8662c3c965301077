// biome-ignore-all lint/suspicious/noExplicitAny: tests read Kubernetes inputs as untyped JSON
import assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseFleetConfig } from '../fleet/fleet-config.js';
import { fleetGatewayPlan } from '../fleet/fleet-plan.js';
import { OpsFleet } from '../fleet/ops-fleet.js';
import { type Declared, plainStrings, reveal, settled, useStrictMocks } from './strict-mocks.js';

const SSH_KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdGVzdA==\n-----END OPENSSH PRIVATE KEY-----';
const API_KEY = 'sk-fleet-test-0c1d';

const hostPlan = (engine: string, alias: string) =>
  stringify({
    version: 1,
    deployment: 'default',
    engines: [
      {
        engine: 'llama.cpp',
        name: engine,
        aliases: [alias],
        contextLength: 16384,
        model: '/m.gguf',
        port: 8001,
        host: '0.0.0.0',
      },
    ],
    gateway: { aliases: { [alias]: engine } },
  });

let declared: Declared[];
beforeEach(async () => {
  // A remote command's stdout is what the host printed: its Plan, or its inventory.
  declared = await useStrictMocks((type, name) => {
    if (type !== 'command:remote:Command') return {};
    if (name.endsWith('-plan')) return { stdout: hostPlan('coder', 'quality') };
    if (name.endsWith('-detect')) return { stdout: '{"gpus":[{"name":"RTX 4090","vramMiB":24564}]}' };
    return { stdout: '' };
  });
});

function fleetConfig() {
  const { config, problems } = parseFleetConfig({
    hosts: [
      { name: 'box-a', address: '10.0.0.11', answers: { intent: 'quality', agents: 4 } },
      { name: 'box-b', address: '10.0.0.12', answers: { intent: 'speed', agents: 8 } },
    ],
    gateway: { host: 'box-b' },
  });
  assert.ok(config, JSON.stringify(problems));
  return config;
}

describe('fleet stack', () => {
  test('each host runs ops setup with its own answers, then detect and its Plan are read after setup', async () => {
    new OpsFleet('ops', {
      config: fleetConfig(),
      deployment: 'lab',
      defaultGatewayImage: 'ops/gateway:0.1.0',
      sshPrivateKey: pulumi.secret(SSH_KEY),
      gatewayApiKeys: pulumi.secret(API_KEY),
    });
    await settled();
    const commands = declared.filter((r) => r.type === 'command:remote:Command');
    const setups = commands.filter((c) => c.name.endsWith('-setup'));
    assert.deepEqual(setups.map((c) => c.name).sort(), ['ops-box-a-setup', 'ops-box-b-setup']);
    const a = setups.find((c) => c.name === 'ops-box-a-setup');
    assert.deepEqual(parse(a?.inputs.stdin as string), { intent: 'quality', agents: 4 });
    assert.match(a?.inputs.create as string, /ops setup --config "\$f" --yes/);
    assert.equal(reveal(a?.inputs.connection).host, '10.0.0.11');
    assert.ok(commands.some((c) => c.name === 'ops-box-b-detect' && c.inputs.create === 'ops detect --json'));
    const plan = commands.find((c) => c.name === 'ops-gateway-plan');
    const routed = parse(reveal(plan?.inputs.stdin) as string);
    assert.deepEqual(
      routed.engines.map((e: { name: string }) => e.name),
      ['box-a-coder', 'box-b-coder'],
    );
    const run = commands.find((c) => c.name === 'ops-gateway-run');
    assert.match(run?.inputs.create as string, /--label ops.role=gateway/);
    assert.equal(reveal(run?.inputs.connection).host, '10.0.0.12');
  });

  test('no secret appears in plain config: SSH key and API keys stay secret', async () => {
    new OpsFleet('ops', {
      config: fleetConfig(),
      deployment: 'lab',
      defaultGatewayImage: 'ops/gateway:0.1.0',
      sshPrivateKey: pulumi.secret(SSH_KEY),
      gatewayApiKeys: pulumi.secret(API_KEY),
    });
    await settled();
    for (const r of declared) {
      for (const { path, value } of plainStrings(r.inputs)) {
        assert.ok(
          !value.includes(API_KEY) && !value.includes('OPENSSH PRIVATE KEY'),
          `${r.name}: secret in plain ${path}`,
        );
      }
    }
  });

  test('the gateway Plan routes by alias to every host', () => {
    const doc = fleetGatewayPlan(
      [
        { host: 'box-a', address: '10.0.0.11', planYaml: hostPlan('coder', 'quality') },
        { host: 'box-b', address: '10.0.0.12', planYaml: hostPlan('coder', 'quality') },
      ],
      'lab',
      8080,
    ) as any;
    assert.deepEqual(
      doc.engines.map((e: any) => [e.name, e.host, e.port]),
      [
        ['box-a-coder', '10.0.0.11', 8001],
        ['box-b-coder', '10.0.0.12', 8001],
      ],
    );
    assert.deepEqual(doc.engines[1].aliases, ['quality']);
    assert.equal(doc.gateway.aliases.quality, 'box-a-coder');
  });

  test('config problems are listed together', () => {
    const { problems } = parseFleetConfig({
      hosts: [
        { name: 'a', address: 'x' },
        { name: 'a', address: 'y' },
      ],
      gateway: { host: 'zz' },
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['ops:hosts.1.name', 'ops:gateway.host'],
    );
  });
});
