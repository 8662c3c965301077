// biome-ignore-all lint/suspicious/noExplicitAny: tests read Kubernetes inputs as untyped JSON
import assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, test } from 'vitest';
import { parse } from 'yaml';
import { tensorParallelProblem } from '../../src/planner/cluster/tensor-parallel-rule.js';
import { OpsCluster } from '../cluster/ops-cluster.js';
import { CLOUD_KEY, enterprisePlan, GATEWAY_KEY, SHAPES, stackConfig, vllmEntry } from './fixtures.js';
import { containersOf, type Declared, settled, useStrictMocks, WORKLOAD_TYPES } from './strict-mocks.js';

let declared: Declared[];
beforeEach(async () => {
  declared = await useStrictMocks();
});

const ofType = (suffix: string) => declared.filter((r) => r.type.endsWith(suffix));
const workloads = () => declared.filter((r) => WORKLOAD_TYPES.includes(r.type));
const argValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

/** Resources the top component's transformation saw: only parented children inherit it. */
let underTree: { type: string; name: string; parent?: string }[] = [];

async function deploy(config = stackConfig({ modelShapes: SHAPES }), plan = enterprisePlan()) {
  underTree = [];
  const transformations: pulumi.ResourceTransformation[] = [
    (args) => {
      underTree.push({ type: args.type, name: args.name, parent: (args.opts.parent as any)?.__name });
      return undefined;
    },
  ];
  const cluster = new OpsCluster(
    'ops',
    {
      plan,
      config,
      defaultGatewayImage: 'ops/gateway:0.1.0',
      gatewayApiKeys: pulumi.secret(GATEWAY_KEY),
      externalApiKeys: pulumi.secret({ CLOUD_API_KEY: CLOUD_KEY }),
    },
    { transformations },
  );
  await settled();
  return cluster;
}

describe('cluster stack: engines', () => {
  test("GPU requests equal the Plan's, and TP divides the heads", async () => {
    const cluster = await deploy();
    assert.deepEqual(cluster.gpus, { 'coder-70b': 8, 'coder-7b': 1 });
    for (const entry of enterprisePlan().engines) {
      if (entry.engine !== 'vllm') continue;
      const d = ofType('apps/v1:Deployment').find((r) => r.name === `ops-${entry.name}-deployment`);
      assert.ok(d, `a Deployment for ${entry.name}`);
      const container = containersOf(d)[0]?.container as Record<string, any>;
      const planGpus = Array.isArray(entry.gpus) ? entry.gpus.length : 0;
      assert.equal(container.resources.limits['nvidia.com/gpu'], String(planGpus));
      assert.equal(container.resources.requests['nvidia.com/gpu'], String(planGpus));
      const tp = Number(argValue(container.args, '--tensor-parallel-size'));
      assert.equal(tp, planGpus);
      assert.equal(tensorParallelProblem(tp, SHAPES[entry.name as keyof typeof SHAPES]), undefined);
      assert.equal(argValue(container.args, '--max-model-len'), String(entry.contextLength));
    }
  });

  test('every workload container has readiness and resource limits; engines sit on GPU nodes', async () => {
    await deploy();
    const all = workloads().flatMap(containersOf);
    assert.ok(all.length >= 3);
    for (const { at, container } of all) {
      assert.ok(container.readinessProbe, `${at}: readinessProbe`);
      assert.ok(container.resources?.limits?.cpu && container.resources?.limits?.memory, `${at}: limits`);
    }
    const engine = ofType('apps/v1:Deployment').find((r) => r.name === 'ops-coder-70b-deployment');
    const pod = ((engine?.inputs.spec ?? {}) as any).template.spec;
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    assert.equal(pod.tolerations[0].key, 'nvidia.com/gpu');
    assert.equal(pod.containers[0].readinessProbe.httpGet.path, '/health');
    assert.equal(
      pod.volumes.find((v: any) => v.name === 'models').persistentVolumeClaim.claimName,
      'acme-models',
    );
  });

  test('a TP size that does not divide the heads is refused before any resource', async () => {
    const plan = enterprisePlan();
    plan.engines[0] = vllmEntry({ name: 'coder-70b', gpus: [0, 1, 2], tensorParallel: 3 });
    await assert.rejects(() => deploy(undefined, plan), /TP=3 does not divide the 64 attention heads/);
    await settled();
    assert.equal(declared.filter((r) => !r.type.startsWith('ops:')).length, 0);
  });

  test('a model larger than one node becomes a LeaderWorkerSet of one pod per stage', async () => {
    const plan = enterprisePlan();
    plan.engines[0] = vllmEntry({ name: 'coder-70b', gpus: 'all', aliases: ['quality'] });
    const config = stackConfig({
      modelShapes: { 'coder-70b': { attentionHeads: 128, kvHeads: 8, layers: 126, weightsBytes: 810e9 } },
      cluster: {
        nodes: ['a', 'b'].map((name) => ({
          name,
          gpus: Array.from({ length: 8 }, (_, i) => ({ name: `g${i}`, vramMiB: 81_559 })),
        })),
      },
    });
    const cluster = await deploy(config, plan);
    assert.equal(cluster.gpus['coder-70b'], 16);
    const [lws] = ofType('LeaderWorkerSet');
    const spec = ((lws?.inputs.spec ?? {}) as any).leaderWorkerTemplate;
    assert.equal(spec.size, 2);
    const leader = spec.leaderTemplate.spec.containers[0];
    assert.equal(leader.resources.limits['nvidia.com/gpu'], '8');
    assert.match(
      leader.args[0],
      /--tensor-parallel-size 8 .*--pipeline-parallel-size 2 .*--distributed-executor-backend ray/,
    );
    assert.match(
      spec.workerTemplate.spec.containers[0].args[0],
      /ray start --address=\$\(LWS_LEADER_ADDRESS\):6379/,
    );
  });

  test('multiNode: ray gives a head Deployment and a worker StatefulSet', async () => {
    const plan = enterprisePlan();
    plan.engines[0] = vllmEntry({
      name: 'coder-70b',
      gpus: [...Array(16).keys()],
      args: ['--pipeline-parallel-size', '2'],
    });
    await deploy(stackConfig({ multiNode: 'ray', modelShapes: SHAPES }), plan);
    const [workers] = ofType('apps/v1:StatefulSet');
    assert.equal(((workers?.inputs.spec ?? {}) as any).replicas, 1);
    assert.ok(ofType('core/v1:Service').some((s) => (s.inputs.spec as any).clusterIP === 'None'));
  });
});

describe('cluster stack: exposure and images', () => {
  test('nothing binds a public LoadBalancer unless configured', async () => {
    await deploy();
    for (const s of ofType('core/v1:Service'))
      assert.notEqual((s.inputs.spec as any).type, 'LoadBalancer', s.name);
  });

  test('gatewayServiceType: LoadBalancer exposes the gateway only', async () => {
    await deploy(stackConfig({ modelShapes: SHAPES, gatewayServiceType: 'LoadBalancer' }));
    const lbs = ofType('core/v1:Service').filter((s) => (s.inputs.spec as any).type === 'LoadBalancer');
    assert.deepEqual(
      lbs.map((s) => s.name),
      ['ops-gateway-service'],
    );
  });

  test('images come from the override when set, from the mirror registry otherwise', async () => {
    await deploy(
      stackConfig({
        modelShapes: SHAPES,
        images: { registry: 'registry.corp:5000/mirror', gateway: 'registry.corp:5000/ops/gw:7' },
      }),
    );
    const images = workloads()
      .flatMap(containersOf)
      .map((c) => c.container.image);
    assert.ok(images.includes('registry.corp:5000/ops/gw:7'));
    assert.ok(images.includes('registry.corp:5000/mirror/vllm/vllm-openai:v0.11.0'));
    const monitoring = ofType('helm.sh/v3:Release').find((r) => r.inputs.chart === 'kube-prometheus-stack');
    assert.equal(
      ((monitoring?.inputs.values ?? {}) as any).global.imageRegistry,
      'registry.corp:5000/mirror',
    );
    declared.length = 0;
    await deploy(stackConfig({ modelShapes: SHAPES, images: { vllm: 'my/vllm:1' } }));
    assert.ok(
      workloads()
        .flatMap(containersOf)
        .filter((c) => c.container.name === 'vllm')
        .every((c) => c.container.image === 'my/vllm:1'),
    );
  });
});

describe('cluster stack: gateway, operator, monitoring', () => {
  test('the gateway reads a Plan that routes to the engine Services', async () => {
    await deploy();
    const map = ofType('core/v1:ConfigMap').find((r) => r.name === 'ops-gateway-plan');
    const plan = parse(((map?.inputs.data ?? {}) as any)['plan.yaml']);
    const coder = plan.engines.find((e: any) => e.name === 'coder-70b');
    assert.equal(coder.host, 'acme-coder-70b.ops.svc.cluster.local');
    assert.equal(coder.port, 8000);
    assert.deepEqual(plan.gateway.aliases, { quality: 'coder-70b' });
  });

  test('GPU operator: driver off with preinstalled drivers, DCGM exporter on', async () => {
    await deploy(stackConfig({ modelShapes: SHAPES, gpuOperator: { preinstalledDriver: true } }));
    const release = ofType('helm.sh/v3:Release').find((r) => r.inputs.chart === 'gpu-operator');
    const values = release?.inputs.values as any;
    assert.equal(values.driver.enabled, false);
    assert.equal(values.toolkit.enabled, true);
    assert.equal(values.dcgmExporter.enabled, true);
    assert.equal(release?.inputs.version, 'v25.3.0');
  });

  test('ServiceMonitors for engines, gateway and DCGM, and the alert rules', async () => {
    await deploy();
    const monitors = ofType('ServiceMonitor').map((r) => (r.inputs.metadata as any).name);
    assert.deepEqual(monitors.sort(), ['acme-dcgm', 'acme-engines', 'acme-gateways']);
    const [rule] = ofType('PrometheusRule');
    const alerts = ((rule?.inputs.spec ?? {}) as any).groups[0].rules.map((r: any) => r.alert);
    assert.ok(alerts.includes('OpsEngineDown') && alerts.includes('OpsGpuXidError'));
  });

  test('every child is parented under the component tree', async () => {
    await deploy();
    const inTree = new Set(underTree.map((r) => `${r.type}::${r.name}`));
    for (const r of declared) {
      if (r.type === 'ops:cluster:OpsCluster') continue;
      assert.ok(inTree.has(`${r.type}::${r.name}`), `${r.type} ${r.name} is not under the OpsCluster`);
    }
    assert.ok(underTree.filter((r) => r.type !== 'ops:cluster:OpsCluster').every((r) => r.parent));
  });
});
