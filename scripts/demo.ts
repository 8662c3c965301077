#!/usr/bin/env -S node --import tsx
/**
 * `make demo`: the whole stack on this machine with no GPU and no internet — the built-in smoke model served by
 * the llama.cpp engine image built from Debian packages — then one real chat completion. Leaves it running;
 * `ops down` stops it. Re-running is safe: every step is idempotent.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $, chalk } from 'zx';
import { resolveStateDir } from '../src/core/state-dir.js';

$.verbose = false;
const ops = (args: string[]) => $({ stdio: ['inherit', 'pipe', 'inherit'] })`node bin/ops.js ${args}`;

const state = resolveStateDir();
const modelPath = join(state.modelsDir, 'smoke-tiny.gguf');
const planPath = join(state.root, 'demo-plan.yaml');
const port = Number(process.env.OPS_DEMO_PORT ?? 18181);
mkdirSync(state.root, { recursive: true });

console.log(chalk.bold('1/4 model: the built-in smoke model (random weights, byte-level vocabulary)'));
await ops(['models', 'smoke', '--size', 'tiny', '--out', modelPath]);

console.log(chalk.bold('2/4 plan'));
if (!existsSync(planPath)) {
  writeFileSync(
    planPath,
    [
      '# Demo Plan written by `make demo`: one llama.cpp engine on the CPU serving the built-in smoke model.',
      'version: 1',
      'deployment: demo',
      'engines:',
      '  - name: smoke',
      '    engine: llama.cpp',
      `    model: ${modelPath}`,
      '    contextLength: 8192',
      '    parallel: 2',
      `    port: ${port}`,
      '    aliases: [quality, fast]',
      '',
    ].join('\n'),
  );
}
console.log(`  ${planPath}`);

console.log(chalk.bold('3/4 up'));
await ops(['up', '--plan', planPath]);

console.log(chalk.bold('4/4 a real chat completion'));
const status = JSON.parse((await ops(['status', '--json', '--deployment', 'demo'])).stdout) as {
  engines: { name: string; state: string; url: string }[];
};
const engine = status.engines.find((e) => e.name === 'smoke');
if (engine?.state !== 'healthy') throw new Error(`engine not healthy: ${JSON.stringify(status)}`);
const started = performance.now();
const res = await fetch(`${engine.url}/v1/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    model: 'smoke',
    messages: [{ role: 'user', content: 'Write a haiku about offline GPUs.' }],
    max_tokens: 24,
    seed: 1,
  }),
});
if (!res.ok) throw new Error(`chat completion failed: ${res.status} ${await res.text()}`);
const body = (await res.json()) as {
  choices: { message: { content: string } }[];
  usage: Record<string, number>;
};
const ms = Math.round(performance.now() - started);
console.log(
  `  answer (random weights, so the text is noise): ${JSON.stringify(body.choices[0]?.message.content)}`,
);
console.log(`  usage: ${JSON.stringify(body.usage)} in ${ms} ms`);
console.log('');
console.log(chalk.green(`The engine answers at ${engine.url}/v1 (OpenAI API). It keeps running.`));
console.log(`  status:  node bin/ops.js status --deployment demo`);
console.log(`  stop it: node bin/ops.js down --deployment demo`);
