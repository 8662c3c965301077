/**
 * Run inside the sealed namespace by zero-egress.docker.test.ts (`ip netns exec … node --import tsx` this file):
 * plays the model for the tool round trip (the scripted upstream, standing in for a model's judgement), then does
 * what `ops up` does for the Plan (bringUp: gateway files, monitoring files, containers, current Plan, the agent
 * as a detached process) with one difference: the containers join the namespace (`container:<holder>`) instead of
 * the host's network. Everything ops then probes (health, the agent's targets) is this namespace's loopback.
 * Prints one JSON line when the stack is up and serves the scripted model until SIGTERM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { stringify } from 'yaml';
import { EventBus } from '../../src/core/events.js';
import { ensureStateDir, resolveStateDir } from '../../src/core/state-dir.js';
import type { ContainerSpec } from '../../src/engines/types.js';
import { readPlan } from '../../src/plan/load-plan.js';
import { bringUp } from '../../src/runtime/bring-up.js';
import { connectDocker } from '../../src/runtime/docker-connection.js';
import { toDockerCreateOptions } from '../../src/runtime/docker-create-options.js';
import { DockerodeRuntime } from '../../src/runtime/dockerode-runtime.js';
import { startScriptedUpstream } from '../gateway/scripted-openai-upstream.js';

/** The same create body ops sends, with the network switched to the holder's namespace (no ports to publish). */
class NamespacedRuntime extends DockerodeRuntime {
  constructor(
    private readonly dockerApi: Docker,
    private readonly holderId: string,
  ) {
    super(dockerApi);
  }

  override async create(spec: ContainerSpec, configHash: string): Promise<string> {
    const options = toDockerCreateOptions(spec, configHash);
    const { PortBindings: _published, ...hostConfig } = options.HostConfig ?? {};
    const { ExposedPorts: _exposed, ...rest } = options;
    const container = await this.dockerApi.createContainer({
      ...rest,
      HostConfig: { ...hostConfig, NetworkMode: `container:${this.holderId}` },
    });
    return container.id;
  }
}

interface Input {
  holderId: string;
  planTemplate: string;
  writeTarget: string;
}

const input = JSON.parse(readFileSync(0, 'utf8')) as Input;
const model = await startScriptedUpstream((body) => {
  if (body.messages.some((m: { role: string }) => m.role === 'tool')) return { text: 'done' };
  if (body.tools?.some((t: { function: { name: string } }) => t.function.name === 'Write'))
    return {
      toolCalls: [
        { name: 'Write', arguments: JSON.stringify({ file_path: input.writeTarget, content: 'hi' }) },
      ],
    };
  return { text: 'ok' };
});
const state = ensureStateDir(resolveStateDir());
const doc = JSON.parse(input.planTemplate) as { engines: Record<string, unknown>[] };
doc.engines = doc.engines.map((e) => (e.engine === 'external' ? { ...e, baseUrl: model.baseUrl } : e));
const planFile = join(state.root, 'plan-in.yaml');
writeFileSync(planFile, stringify(doc));
const { plan } = readPlan(planFile);
const bus = new EventBus();
bus.on((e) => process.stderr.write(`${JSON.stringify(e)}\n`));
const docker = await connectDocker();
const result = await bringUp(plan, { state, runtime: new NamespacedRuntime(docker, input.holderId), bus });
process.stdout.write(
  `${JSON.stringify({ ready: true, agent: result.agent?.mode, prometheus: result.monitoring?.prometheus })}\n`,
);
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ modelRequests: model.requests.length })}\n`);
  void model.close().then(() => process.exit(0));
});
