import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { gradingJob } from './grading.js';
import { runInSandbox, type SandboxLimits } from './sandbox.js';
import type { CodeTask, TaskOutcome } from './types.js';

export interface GradeOptions {
  image?: string;
  deployment?: string;
  limits?: Partial<SandboxLimits>;
  signal?: AbortSignal;
}

export type Grade = Pick<TaskOutcome, 'passed' | 'status' | 'testMs' | 'detail'>;

/** Runs a task's hidden tests against the code of one answer, in the sandbox. Nothing runs outside it. */
export async function gradeAnswer(
  runtime: ContainerRuntime,
  task: CodeTask,
  code: string,
  options: GradeOptions = {},
): Promise<Grade> {
  if (!code.trim()) return { passed: false, status: 'no-code', testMs: 0, detail: 'the answer held no code' };
  const job = gradingJob(task, code);
  const result = await runInSandbox(runtime, {
    files: job.files,
    command: job.command,
    ...(options.image ? { image: options.image } : {}),
    ...(options.deployment ? { deployment: options.deployment } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const status = result.passed ? 'passed' : result.timedOut ? 'timeout' : result.oomKilled ? 'oom' : 'failed';
  return {
    passed: result.passed,
    status,
    testMs: Math.round(result.durationMs),
    ...(result.passed ? {} : { detail: tail(result.output, 600) }),
  };
}

function tail(text: string, chars: number): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
