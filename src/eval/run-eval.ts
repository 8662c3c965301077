import type { EventBus } from '../core/events.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { runAgenticSuite } from './agentic-suite.js';
import type { GradeOptions } from './grade-answer.js';
import type { ModelEndpoint } from './model-client.js';
import { runCodeSuite } from './run-code-suite.js';
import type { SelectedSuite } from './select-suites.js';
import type { SuiteResult } from './summarize.js';
import { runToolSuite } from './tool-use-suite.js';
import { rateDifference } from './wilson.js';

export interface EvalRun {
  results: SuiteResult[];
  /** `--compare`: per suite, each variant against the first, with the difference's 95% interval. */
  comparisons: { suite: string; base: string; variant: string; diff: number; low: number; high: number }[];
}

/**
 * Runs every selected suite against each model (one model, or the variants of `--compare`), in order. The
 * tool-use and agentic suites always speak the Anthropic API, as Claude Code does; code suites use the endpoint's.
 */
export async function runEval(options: {
  suites: SelectedSuite[];
  endpoint: ModelEndpoint;
  target: SuiteResult['target'];
  runtime: ContainerRuntime | undefined;
  variants?: string[];
  concurrency?: number;
  maxTokens?: number;
  grade?: GradeOptions;
  /** The agentic suite: time one Claude Code session may take. */
  agentTimeoutMs?: number;
  bus?: EventBus;
}): Promise<EvalRun> {
  const models = options.variants?.length ? options.variants : [options.endpoint.model];
  const results: SuiteResult[] = [];
  for (const model of models) {
    const variant = options.variants?.length ? { variant: model } : {};
    for (const suite of options.suites) {
      const endpoint = { ...options.endpoint, model };
      if (suite.kind === 'tools') {
        results.push(
          await runToolSuite({
            endpoint: { ...endpoint, api: 'anthropic' },
            target: options.target,
            ...variant,
            ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
            ...(suite.limit !== undefined ? { limit: suite.limit } : {}),
            ...(options.bus ? { bus: options.bus } : {}),
          }),
        );
        continue;
      }
      if (!options.runtime)
        throw new Error('code and agentic suites need the container runtime for the sandbox');
      if (suite.kind === 'agentic') {
        results.push(
          await runAgenticSuite({
            tasks: suite.tasks,
            endpoint: { ...endpoint, api: 'anthropic' },
            runtime: options.runtime,
            target: options.target,
            ...variant,
            ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            ...(options.grade?.image ? { image: options.grade.image } : {}),
            ...(options.grade?.deployment ? { deployment: options.grade.deployment } : {}),
            ...(options.grade?.limits?.timeoutMs ? { testTimeoutMs: options.grade.limits.timeoutMs } : {}),
            ...(options.agentTimeoutMs ? { agentTimeoutMs: options.agentTimeoutMs } : {}),
            ...(options.bus ? { bus: options.bus } : {}),
          }),
        );
        continue;
      }
      results.push(
        await runCodeSuite({
          suite: suite.name,
          tasks: suite.tasks,
          endpoint,
          runtime: options.runtime,
          target: options.target,
          ...variant,
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
          ...(options.grade ? { grade: options.grade } : {}),
          ...(options.bus ? { bus: options.bus } : {}),
        }),
      );
    }
  }
  const comparisons: EvalRun['comparisons'] = [];
  if (models.length > 1) {
    for (const suite of options.suites) {
      const base = results.find((r) => r.suite === suite.name && r.variant === models[0]);
      for (const other of models.slice(1)) {
        const run = results.find((r) => r.suite === suite.name && r.variant === other);
        if (base && run)
          comparisons.push({
            suite: suite.name,
            base: models[0]!,
            variant: other,
            ...rateDifference(base.overall, run.overall),
          });
      }
    }
  }
  return { results, comparisons };
}
