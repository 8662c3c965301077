import type { CodeTask } from './types.js';

/** The user message for one task: the task, then exactly what shape of answer the grader can use. */
export function taskPrompt(task: CodeTask): string {
  if (task.testStyle === 'check') {
    return task.codePrefix
      ? `Complete the following Python function. Reply with the complete function (and any imports it needs) in one \`\`\`python code block, nothing else.\n\n\`\`\`python\n${task.codePrefix}\`\`\``
      : `${task.prompt.trim()}\n\nWrite it in Python as a function named \`${task.entry}\`. Reply with the code in one \`\`\`python code block, nothing else.`;
  }
  if (task.testStyle === 'unittest') {
    const file = task.files?.solution ?? 'solution.py';
    return `${task.prompt.trim()}\n\nReply with the complete content of \`${file}\` in one \`\`\`python code block, nothing else.${task.codePrefix ? `\n\nThe file currently contains:\n\n\`\`\`python\n${task.codePrefix}\`\`\`` : ''}`;
  }
  const where =
    task.language === 'python'
      ? `Tests import \`${task.entry}\` from solution.py. Reply with the code in one \`\`\`python code block, nothing else.`
      : `Tests import \`${task.entry}\` from solution.ts. Reply with the code in one \`\`\`typescript code block, nothing else.`;
  return `${task.prompt.trim()}\n\n${where}`;
}

/** The system message every code task gets. */
export const CODE_SYSTEM_PROMPT =
  'You are an expert programmer. Answer with working code only, no explanations. Use only the standard library.';
