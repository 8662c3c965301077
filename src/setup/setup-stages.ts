import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchDeployment } from '../bench/bench-deployment.js';
import { benchSummary, formatBenchLine } from '../bench/format-bench.js';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { apiKeysFromEnv } from '../gateway/auth.js';
import { loadAgentRecipe } from '../images/agent-image.js';
import { buildEngineImage, loadLlamaCppRecipe } from '../images/build-engine-image.js';
import { loadGatewayRecipe } from '../images/gateway-image.js';
import { dockerImageArchive, type ImageArchive } from '../images/image-archive.js';
import { type BringUpResult, bringUp } from '../runtime/bring-up.js';
import { connectRuntime } from '../runtime/connect-runtime.js';
import { deploymentStatus } from '../runtime/deployment-status.js';
import { connectDocker } from '../runtime/docker-connection.js';
import { loadPlanForHost } from '../runtime/load-plan-for-host.js';
import { importBundle } from '../store/bundle-import.js';
import { StoreModelLocator } from '../store/model-locator.js';
import { storeLayout } from '../store/store-layout.js';
import type { SetupAnswers } from './answers.js';
import { claudeCodeLines } from './claude-code-lines.js';
import { sendMessage } from './gateway-smoke.js';
import type { Machine } from './gather-setup.js';
import { probeHost } from './probe-host.js';
import type { ProvisionOptions } from './provision-types.js';
import { imagesToLoad, type SetupBundle } from './setup-bundle.js';
import { writeSetupConfig } from './setup-config.js';
import {
  markStage,
  SETUP_STAGES,
  type SetupFiles,
  type SetupProgress,
  type SetupStage,
} from './setup-progress.js';
import { localShell } from './shell.js';
import { runProvisioning } from './step-runner.js';

/** Setup's short benchmark: one prompt size Claude Code sends for a short turn, one agent, a few tokens. */
const SETUP_BENCH = { promptTokens: 2048, outputTokens: 32 };

export interface StagesInput {
  state: StateDir;
  bus: EventBus;
  files: SetupFiles;
  progress: SetupProgress;
  answers: SetupAnswers;
  machine: Machine;
  /** The Plan document `ops up` takes (the planner's, or the bundle's). */
  plan: { document: Record<string, unknown> };
  /** What provisioning does (with a bundle: its repository alone). */
  provision: ProvisionOptions;
  /** Setup from a verified bundle: images loaded, models imported, nothing fetched or built. */
  bundle?: SetupBundle;
  until?: SetupStage;
  /** `false`: skip the short benchmark (`--no-bench`); a later run without it takes it. */
  bench?: boolean;
}

export interface SetupSummary {
  text: string;
  /** Stage → what happened in this run. */
  stages: Partial<Record<SetupStage, 'done' | 'resumed'>>;
  stoppedAfter?: SetupStage;
  rebootRequired?: string;
  gatewayUrl?: string;
  claudeCode: string[];
  benchmark?: Record<string, unknown>;
}

/** The stages after the answers: provision → images → models → plan → up → smoke → bench → config. */
export async function runStages(input: StagesInput): Promise<SetupSummary> {
  const { bus, files, progress, state, answers } = input;
  const summary: SetupSummary = { text: '', stages: {}, claudeCode: [] };
  const lines: string[] = [];
  const done = (stage: SetupStage, detail: string, result?: Record<string, unknown>) => {
    markStage(files, progress, stage, detail, result);
    summary.stages[stage] = 'done';
    bus.emit({ kind: 'setup:stage', stage, phase: 'done', detail });
  };
  const stop = (stage: SetupStage) => stage === input.until;
  const start = (stage: SetupStage, detail?: string) =>
    bus.emit({ kind: 'setup:stage', stage, phase: 'start', ...(detail ? { detail } : {}) });
  const earlier = Object.keys(progress.stages);
  if (earlier.length > 0)
    lines.push(`resumed: ${earlier.join(', ')} finished in an earlier run (each checked again)`);

  // provision: every check runs again (cheap); only what is missing is applied.
  start('provision');
  const outcome = await runProvisioning({
    shell: localShell(),
    probe: () => probeHost(localShell()),
    options: input.provision,
    bus,
  });
  for (const line of outcome.manual) lines.push(`by hand: ${line}`);
  if (outcome.rebootRequired) {
    summary.rebootRequired = outcome.rebootRequired;
    summary.text = `${outcome.rebootRequired}\n(progress is saved in ${files.progress})`;
    return summary;
  }
  const applied = outcome.steps.filter((s) => s.applied).map((s) => s.id);
  done('provision', applied.length ? `applied ${applied.join(', ')}` : 'nothing to change');
  if (stop('provision')) return stopped(summary, 'provision', lines);

  start('images');
  const docker = await connectDocker();
  const archive = dockerImageArchive(docker);
  const engines = input.plan.document.engines as { name: string; engine: string; model: string }[];
  if (input.bundle) {
    // From the bundle's tars only: a build would fetch Debian packages.
    const { verified } = input.bundle;
    const before = (progress.stages.images?.result?.loadedParts as string[] | undefined) ?? [];
    const decisions = imagesToLoad(verified.manifest.parts, await archive.tags(), before);
    for (const d of decisions) {
      if (d.action === 'keep') {
        bus.emit({ kind: 'step:skip', step: `load ${d.part.what}`, reason: d.reason });
        continue;
      }
      const started = Date.now();
      bus.emit({ kind: 'step:start', step: `load ${d.part.what}`, detail: d.reason });
      await archive.load(verified.partPath(d.part.path));
      bus.emit({ kind: 'step:done', step: `load ${d.part.what}`, durationMs: Date.now() - started });
    }
    done(
      'images',
      decisions.map((d) => `${d.part.what} (${d.action === 'load' ? 'loaded' : 'kept'})`).join(', ') ||
        'the bundle carries no images',
      { loadedParts: decisions.map((d) => d.part.sha256) },
    );
  } else {
    const loaded: string[] = [];
    if (answers.offline?.imageDir)
      loaded.push(...(await loadImageTarballs(archive, answers.offline.imageDir, bus)));
    const built: string[] = [];
    const needs = new Set(engines.map((e) => e.engine));
    // The agent's image too: in its container it comes back after a reboot; as a host process (without it) it does not.
    const recipes = [
      ...(needs.has('llama.cpp') ? [loadLlamaCppRecipe()] : []),
      await loadGatewayRecipe(),
      await loadAgentRecipe(),
    ];
    for (const recipe of recipes) {
      const result = await buildEngineImage({ docker, recipe, bus });
      built.push(`${result.tag}${result.cached ? ' (current)' : ' (built)'}`);
    }
    done('images', [...loaded.map((f) => `loaded ${f}`), ...built].join(', '));
  }
  if (stop('images')) return stopped(summary, 'images', lines);

  start('models');
  const locator = new StoreModelLocator(state);
  const modelPaths: Record<string, string> = {};
  if (input.bundle) {
    // The bundle's models into the store (every blob verified; those already there are kept); never a hub pull.
    const part = input.bundle.verified.manifest.parts.find((p) => p.kind === 'models');
    if (part) await importBundle(storeLayout(state), input.bundle.verified.partPath(part.path));
  }
  // The Plan names each model for the store; without a bundle the answers consented to fetching, so hub models are
  // pulled. From a bundle its models are blob paths in the store now, and a missing one is an error, not a pull.
  for (const entry of engines.filter((e) => e.model))
    modelPaths[entry.name] = await locator.ensure(entry.model, { pull: !input.bundle, bus });
  done('models', Object.values(modelPaths).join(', '), { modelPaths });
  if (stop('models')) return stopped(summary, 'models', lines);

  start('plan');
  const document = input.plan.document;
  const text = `# Written by ops setup from ${files.answers}; ops up --plan ${files.plan} starts it.\n${stringify(document)}`;
  const changed = !existsSync(files.plan) || readFileSync(files.plan, 'utf8') !== text;
  if (changed) writeFileSync(files.plan, text);
  done('plan', `${files.plan}${changed ? '' : ' (unchanged)'}`);
  if (stop('plan')) return stopped(summary, 'plan', lines);

  start('up', answers.deployment);
  const rt = await connectRuntime();
  const plan = await loadPlanForHost({ state, bus }, files.plan, rt);
  const brought = await bringUp(plan, { state, runtime: rt, bus });
  const up = brought.up;
  const status = await deploymentStatus(plan.deployment, rt, plan);
  const unhealthy = status.engines.filter((e) => e.state !== 'healthy');
  if (status.gateway?.state !== 'healthy' || unhealthy.length > 0) {
    throw new OpsError(`deployment ${plan.deployment} is not healthy after up`, {
      hint: 'see ops status and ops logs <engine>; ops setup resumes from here',
    });
  }
  const gatewayUrl = status.gateway.url;
  summary.gatewayUrl = gatewayUrl;
  const changes = up.created.length + up.replaced.length + up.removed.length;
  done(
    'up',
    `${plan.deployment}: ${changes ? `created ${up.created.length}, replaced ${up.replaced.length}` : 'unchanged'}, ${status.engines.length} engine(s) and the gateway healthy`,
  );
  lines.push(`deployment ${plan.deployment} is healthy:`);
  for (const e of status.engines) lines.push(`  ${e.name.padEnd(24)} ${e.state.padEnd(8)} ${e.url}`);
  lines.push(`  ${'gateway'.padEnd(24)} ${status.gateway.state.padEnd(8)} ${gatewayUrl}`);
  if (stop('up')) return stopped(summary, 'up', lines);

  const apiKey = apiKeysFromEnv(process.env)[0] ?? 'local';
  const aliases = plan.gateway?.aliases ?? {};
  start('smoke', 'a real Anthropic Messages request per tier through the gateway');
  const sonnet = await sendMessage(gatewayUrl, apiKey, 'claude-sonnet-4-5', 16, 'Say hello.');
  const haiku = await sendMessage(gatewayUrl, apiKey, 'claude-haiku-4-5', 16, 'Say hello.');
  const smokeDetail = [sonnet, haiku]
    .map((r) => `${r.model} → ${r.servedBy}: ${r.outputTokens} tokens in ${Math.round(r.latencyMs)} ms`)
    .join('; ');
  done('smoke', smokeDetail);
  lines.push(`smoke test: ${smokeDetail}`);
  if (stop('smoke')) return stopped(summary, 'smoke', lines);

  const previous = progress.stages.bench;
  if (input.bench === false) {
    bus.emit({ kind: 'log', level: 'info', message: 'benchmark skipped (--no-bench)' });
    lines.push('benchmark: skipped (--no-bench); ops bench measures the deployment any time');
  } else if (previous?.result) {
    summary.stages.bench = 'resumed';
    summary.benchmark = previous.result;
    bus.emit({ kind: 'setup:stage', stage: 'bench', phase: 'resumed', detail: previous.detail });
    lines.push(`benchmark (earlier run): ${previous.detail}`);
  } else {
    // A short `ops bench`: one prompt size, one agent, few tokens, recorded in the ledger so `ops plan` shows
    // this machine's measured speed from now on. `ops bench` measures every size and agent count.
    start(
      'bench',
      `per engine: a ${SETUP_BENCH.promptTokens}-token prompt and ${SETUP_BENCH.outputTokens} tokens`,
    );
    const benches = await benchDeployment(state, {
      gateway: gatewayUrl,
      promptSizes: [SETUP_BENCH.promptTokens],
      outputTokens: SETUP_BENCH.outputTokens,
      maxAgents: 1,
      store: true,
      bus,
    });
    const detail = benches.map(formatBenchLine).join('; ');
    const result = { engines: benches.map(benchSummary) };
    summary.benchmark = result;
    done('bench', detail, result);
    lines.push(`benchmark: ${detail} (in the ledger; ops plan shows it, ops bench measures more)`);
  }
  if (stop('bench')) return stopped(summary, 'bench', lines);

  start('config');
  const configChange = writeSetupConfig(state, answers);
  done('config', configChange);

  summary.claudeCode = claudeCodeLines({
    gatewayUrl,
    authToken: apiKey,
    qualityAlias: aliases.quality ? 'quality' : (Object.keys(aliases)[0] ?? 'quality'),
    fastAlias: aliases.fast ? 'fast' : 'quality',
    cpuOnly: input.machine.profile.id === 'cpu-only',
  });
  lines.push(
    '',
    'Run Claude Code against it:',
    ...summary.claudeCode.map((l) => `  ${l}`),
    '',
    'OpenAI clients: base URL ' + `${gatewayUrl}/v1`,
    'Dashboards and monitoring:',
    `  gateway metrics (Prometheus text): ${gatewayUrl}/metrics`,
    ...monitoringLines(brought),
    `  status: ops status   logs: ops logs <engine>   stop: ops down   checks: ops doctor`,
  );
  summary.text = ['', 'ops setup finished.', ...lines].join('\n');
  return summary;
}

/** What `ops up` started besides engines and the gateway (monitoring, agent), said as it is. */
function monitoringLines(brought: BringUpResult): string[] {
  const m = brought.monitoring;
  if (!m) return ['  monitoring: off (the Plan has no monitoring section)'];
  return [
    `  Prometheus: ${m.prometheus}`,
    m.grafana
      ? `  Grafana: ${m.grafana} (user admin, password in ${m.grafanaPasswordFile})`
      : '  Grafana: its image is not on this machine (docker load it on air-gapped sites); Prometheus runs without it',
    brought.agent
      ? `  agent: ${brought.agent.mode === 'container' ? `container ${brought.agent.container}, restarted with Docker` : `pid ${brought.agent.pid} (host process)`} (power, probes, usage into the ledger for ops report), log ${brought.agent.log}`
      : '  agent: not running',
  ];
}

function stopped(summary: SetupSummary, stage: SetupStage, lines: string[]): SetupSummary {
  const next = SETUP_STAGES[SETUP_STAGES.indexOf(stage) + 1];
  summary.stoppedAfter = stage;
  summary.text = [
    ...lines,
    `stopped after ${stage} (--until); run ops setup again to go on${next ? ` from ${next}` : ''}`,
  ].join('\n');
  return summary;
}

/** Air-gapped: `docker load` every image tarball of the directory (what `docker save` wrote elsewhere). */
async function loadImageTarballs(archive: ImageArchive, dir: string, bus: EventBus): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new OpsError(`cannot read the image directory ${dir}`, {
      cause,
      exitCode: 2,
      hint: 'give the directory that holds the `docker save` tarballs',
    });
  }
  const files = names.filter((f) => /\.tar(\.gz)?$/.test(f));
  for (const file of files) {
    bus.emit({ kind: 'log', level: 'info', message: `docker load ${join(dir, file)}` });
    await archive.load(join(dir, file));
  }
  return files;
}
