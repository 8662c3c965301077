import type { TaskLanguage } from './types.js';

const FENCE_LANGS: Record<TaskLanguage, string[]> = {
  python: ['python', 'py', 'python3'],
  typescript: ['typescript', 'ts', 'tsx', 'javascript', 'js'],
};

/**
 * The code in a model's answer: the first fenced block labelled with the task's language, else the first fenced
 * block of any kind, else the whole answer when it has no fences (models asked for "only code" often comply).
 * Reasoning models' `<think>` sections are dropped first.
 */
export function extractCode(answer: string, language: TaskLanguage): string {
  const text = answer.replace(/<think>[\s\S]*?<\/think>/g, '');
  const blocks = [...text.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({
    lang: (m[1] ?? '').toLowerCase(),
    code: m[2] ?? '',
  }));
  const labelled = blocks.find((b) => FENCE_LANGS[language].includes(b.lang));
  const chosen = labelled ?? blocks[0];
  if (chosen) return chosen.code.trimEnd();
  return text.includes('```') ? '' : text.trim();
}
