// biome-ignore-all lint/suspicious/noExplicitAny: tests read Kubernetes inputs as untyped JSON
import assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, test } from 'vitest';
import { OpsCluster } from '../cluster/ops-cluster.js';
import { CLOUD_KEY, enterprisePlan, GATEWAY_KEY, SHAPES, stackConfig, vllmEntry } from './fixtures.js';
import {
  containersOf,
  type Declared,
  plainStrings,
  settled,
  useStrictMocks,
  WORKLOAD_TYPES,
} from './strict-mocks.js';

let declared: Declared[];
beforeEach(async () => {
  declared = await useStrictMocks();
});

/** Both multi-node flavours and single-node engines, so every pod template the stack can write is checked. */
async function deployEverything(multiNode: 'leaderworkerset' | 'ray') {
  const plan = enterprisePlan();
  plan.engines.push(vllmEntry({ name: 'big', gpus: [...Array(16).keys()], args: ['-pp', '2'] }));
  new OpsCluster('ops', {
    plan,
    config: stackConfig({ modelShapes: SHAPES, multiNode }),
    defaultGatewayImage: 'ops/gateway:0.1.0',
    gatewayApiKeys: pulumi.secret(GATEWAY_KEY),
    externalApiKeys: pulumi.secret({ CLOUD_API_KEY: CLOUD_KEY }),
  });
  await settled();
}

for (const multiNode of ['leaderworkerset', 'ray'] as const) {
  test(`policy (${multiNode}): no container of ours runs privileged or may escalate`, async () => {
    await deployEverything(multiNode);
    const containers = declared.filter((r) => WORKLOAD_TYPES.includes(r.type)).flatMap(containersOf);
    assert.ok(containers.length >= 4);
    for (const { at, container } of containers) {
      assert.notEqual(container.securityContext?.privileged, true, `${at} is privileged`);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${at} may escalate`);
      const added: string[] = container.securityContext?.capabilities?.add ?? [];
      assert.deepEqual(added, [], `${at} adds capabilities`);
    }
    // The GPU operator (drivers, toolkit) is the one privileged part, and it comes only as its own Helm release.
    const releases = declared
      .filter((r) => r.type === 'kubernetes:helm.sh/v3:Release')
      .map((r) => r.inputs.chart);
    assert.deepEqual(releases.sort(), ['gpu-operator', 'kube-prometheus-stack']);
  });

  test(`policy (${multiNode}): no secret appears in plain config`, async () => {
    await deployEverything(multiNode);
    for (const r of declared) {
      for (const { path, value } of plainStrings(r.inputs)) {
        for (const secret of [GATEWAY_KEY, CLOUD_KEY]) {
          assert.ok(!value.includes(secret), `${r.type} ${r.name} has a secret in plain ${path}`);
        }
      }
    }
    // The keys do reach the gateway: through the Secret, as secret values, referenced by envFrom.
    const secret = declared.find((r) => r.type === 'kubernetes:core/v1:Secret');
    assert.ok(secret && JSON.stringify(secret.inputs).includes(GATEWAY_KEY));
    const gateway = declared.find((r) => r.name === 'ops-gateway-deployment');
    const container = containersOf(gateway as Declared)[0]?.container as Record<string, any>;
    assert.ok(container.envFrom[0].secretRef.name);
    assert.ok(!(container.env ?? []).some((e: { value?: string }) => e.value?.includes('sk-')));
  });
}

test('policy: the stack refuses to run a gateway without client API keys', async () => {
  assert.throws(
    () =>
      new OpsCluster('ops', {
        plan: enterprisePlan(),
        config: stackConfig({ modelShapes: SHAPES }),
        defaultGatewayImage: 'ops/gateway:0.1.0',
      }),
    /ops:gatewayApiKeys/,
  );
});
