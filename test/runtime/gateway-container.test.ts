import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { type PlanReadContext, validatePlan } from '../../src/plan/validate-plan.js';
import { configHash } from '../../src/runtime/config-hash.js';
import { toDockerCreateOptions } from '../../src/runtime/docker-create-options.js';
import { gatewayContainerSpec, missingGatewaySecrets } from '../../src/runtime/gateway-container.js';

const ctx: PlanReadContext = { planDir: '/p' };
const planWith = (gateway: Record<string, unknown>, extra: Record<string, unknown>[] = []) => {
  const result = validatePlan(
    {
      version: 1,
      deployment: 'lab',
      engines: [
        { engine: 'llama.cpp', name: 'coder', model: '/m/a.gguf', contextLength: 4096, port: 18081 },
        ...extra,
      ],
      gateway,
    },
    ctx,
  );
  assert.deepEqual(result.problems, []);
  return result.plan!;
};
const paths = { planFile: '/ops/gateway/lab.plan.yaml', spoolDir: '/ops/spool/lab' };

describe('gateway container', () => {
  it('shares the host network, mounts the Plan directory read-only and the spool read-write, labelled as the gateway', () => {
    const spec = gatewayContainerSpec(planWith({ port: 18080 }), {
      image: 'ops/gateway:1',
      paths,
      user: '1000:1000',
    });
    assert.equal(spec.name, 'ops-lab-gateway');
    assert.equal(spec.network, 'host');
    assert.equal(spec.user, '1000:1000');
    assert.deepEqual(spec.mounts, [
      { source: '/ops/gateway', target: '/etc/ops', readOnly: true },
      { source: paths.spoolDir, target: '/var/lib/ops/spool', readOnly: false },
    ]);
    assert.equal(spec.env.OPS_PLAN_FILE, '/etc/ops/lab.plan.yaml');
    assert.equal(spec.env.OPS_GATEWAY_PORT, '18080');
    assert.equal(spec.env.OPS_GATEWAY_HOST, '127.0.0.1');
    assert.equal(spec.labels['ops.role'], 'gateway');
    assert.equal(spec.labels['ops.url'], 'http://127.0.0.1:18080');
    const opts = toDockerCreateOptions(spec, 'h');
    assert.equal(opts.HostConfig?.NetworkMode, 'host');
    assert.equal(opts.HostConfig?.PortBindings, undefined);
    assert.equal(opts.ExposedPorts, undefined);
  });

  it('keeps its config hash when only the routing changes (aliases, slots): the gateway reloads the Plan instead', () => {
    const a = gatewayContainerSpec(planWith({ port: 18080 }), { image: 'i', paths });
    const b = gatewayContainerSpec(planWith({ port: 18080, aliases: { fast: 'coder' } }), {
      image: 'i',
      paths,
    });
    assert.equal(configHash(a), configHash(b));
    const moved = gatewayContainerSpec(planWith({ port: 18090 }), { image: 'i', paths });
    assert.notEqual(configHash(a), configHash(moved), 'a new port still replaces it');
  });

  it('hands over only the keys it needs, and names the ones missing before up', () => {
    const plan = planWith({ port: 18080, cloud: { mode: 'local-first' } }, [
      {
        engine: 'external',
        name: 'lab-box',
        baseUrl: 'http://10.0.0.7:8000/v1',
        contextLength: 8192,
        apiKeyEnv: 'LAB_KEY',
      },
    ]);
    const env = { ANTHROPIC_API_KEY: 'sk-cloud', LAB_KEY: 'k', HOME: '/root', OPS_GATEWAY_API_KEYS: 'a,b' };
    const spec = gatewayContainerSpec(plan, { image: 'i', paths, env });
    assert.equal(spec.env.ANTHROPIC_API_KEY, 'sk-cloud');
    assert.equal(spec.env.LAB_KEY, 'k');
    assert.equal(spec.env.OPS_GATEWAY_API_KEYS, 'a,b');
    assert.equal(spec.env.HOME, undefined);
    assert.deepEqual(missingGatewaySecrets(plan, {}), ['LAB_KEY', 'ANTHROPIC_API_KEY']);
    assert.deepEqual(missingGatewaySecrets(planWith({ port: 18080 }), {}), []);
  });

  it('refuses an engine named gateway and a cloud key variable that is not a variable name', () => {
    const result = validatePlan(
      {
        version: 1,
        engines: [
          { engine: 'llama.cpp', name: 'gateway', model: '/m/a.gguf', contextLength: 4096, port: 18081 },
        ],
        gateway: { cloud: { mode: 'cloud-first', apiKeyEnv: 'sk-123' } },
      },
      ctx,
    );
    assert.deepEqual(result.problems.map((p) => p.path).sort(), [
      'engines[0].name',
      'gateway.cloud.apiKeyEnv',
    ]);
  });
});
