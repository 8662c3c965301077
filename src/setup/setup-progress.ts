import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { StateDir } from '../core/state-dir.js';
import type { SetupAnswers } from './answers.js';

/** The stages of `ops setup`, in order. */
export const SETUP_STAGES = [
  'provision',
  'images',
  'models',
  'plan',
  'up',
  'smoke',
  'bench',
  'config',
] as const;
export type SetupStage = (typeof SETUP_STAGES)[number];

export interface StageRecord {
  at: string;
  detail: string;
  /** What the stage found, for the summary of a resumed run (e.g. the benchmark's tokens/s). */
  result?: Record<string, unknown>;
}

/** What `ops setup` has finished on this box, for the answers it was given (`$OPS_HOME/setup/progress.json`). */
export interface SetupProgress {
  version: 1;
  answersHash: string;
  stages: Partial<Record<SetupStage, StageRecord>>;
}

export interface SetupFiles {
  dir: string;
  answers: string;
  progress: string;
  plan: string;
}

export function setupFiles(state: Pick<StateDir, 'root'>): SetupFiles {
  const dir = join(state.root, 'setup');
  return {
    dir,
    answers: join(dir, 'answers.yaml'),
    progress: join(dir, 'progress.json'),
    plan: join(dir, 'plan.yaml'),
  };
}

/** Answers change what the stages produce; progress made for other answers does not count. */
export function answersHash(answers: SetupAnswers): string {
  return createHash('sha256').update(JSON.stringify(answers)).digest('hex').slice(0, 16);
}

/** The progress for these answers: the saved one when it was made for them, else a fresh one. */
export function loadProgress(files: SetupFiles, hash: string): SetupProgress {
  if (existsSync(files.progress)) {
    try {
      const saved = JSON.parse(readFileSync(files.progress, 'utf8')) as SetupProgress;
      if (saved.version === 1 && saved.answersHash === hash) return saved;
    } catch {
      // A torn or hand-edited file: start over; every stage is idempotent.
    }
  }
  return { version: 1, answersHash: hash, stages: {} };
}

/** Records a finished stage at once (atomically), so an interrupted run resumes after it. */
export function markStage(
  files: SetupFiles,
  progress: SetupProgress,
  stage: SetupStage,
  detail: string,
  result?: Record<string, unknown>,
): void {
  progress.stages[stage] = { at: new Date().toISOString(), detail, ...(result ? { result } : {}) };
  mkdirSync(files.dir, { recursive: true });
  writeFileAtomic(files.progress, `${JSON.stringify(progress, null, 2)}\n`);
}
