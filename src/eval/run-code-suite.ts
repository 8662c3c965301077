import { type EventBus, silentBus } from '../core/events.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { extractCode } from './extract-code.js';
import { type GradeOptions, gradeAnswer } from './grade-answer.js';
import { askModel, type ModelEndpoint } from './model-client.js';
import { errorOutcome, type SuiteResult, startSuiteRun } from './summarize.js';
import { CODE_SYSTEM_PROMPT, taskPrompt } from './task-prompt.js';
import type { CodeTask, TaskOutcome } from './types.js';

export interface CodeSuiteOptions {
  suite: string;
  tasks: CodeTask[];
  endpoint: ModelEndpoint;
  runtime: ContainerRuntime;
  target?: SuiteResult['target'];
  variant?: string;
  /** Tasks in flight at once (model requests and sandbox runs). */
  concurrency?: number;
  maxTokens?: number;
  grade?: GradeOptions;
  bus?: EventBus;
}

/** Asks the model every task through the endpoint, grades each answer in the sandbox, and summarises. */
export async function runCodeSuite(options: CodeSuiteOptions): Promise<SuiteResult> {
  const bus = options.bus ?? silentBus();
  const run = startSuiteRun({
    suite: options.suite,
    kind: 'code',
    model: options.endpoint.model,
    api: options.endpoint.api,
    target: options.target,
    variant: options.variant,
  });
  let done = 0;
  const outcomes = await mapLimited(options.tasks, options.concurrency ?? 2, async (task) => {
    const outcome = await runOne(task, options);
    bus.emit({
      kind: 'progress',
      step: `eval ${options.suite}`,
      done: ++done,
      total: options.tasks.length,
      unit: 'items',
    });
    return outcome;
  });
  return run.finish(outcomes);
}

async function runOne(task: CodeTask, options: CodeSuiteOptions): Promise<TaskOutcome> {
  const head = {
    id: task.id,
    suite: task.suite,
    language: task.language,
    ...(task.band ? { band: task.band } : {}),
  };
  let reply: Awaited<ReturnType<typeof askModel>>;
  try {
    reply = await askModel(options.endpoint, {
      system: CODE_SYSTEM_PROMPT,
      prompt: taskPrompt(task),
      maxTokens: options.maxTokens ?? 1024,
    });
  } catch (error) {
    return errorOutcome(head, (error as Error).message);
  }
  const grade = await gradeAnswer(
    options.runtime,
    task,
    extractCode(reply.text, task.language),
    options.grade,
  );
  return { ...head, ...grade, latencyMs: Math.round(reply.latencyMs) };
}

/** Like Promise.all over a map, with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
