#!/usr/bin/env -S node --import tsx
/**
 * `make demo`: the whole stack on this machine with no GPU and no internet — the built-in smoke model served by
 * the llama.cpp engine image built from Debian packages — then one real chat completion. Leaves it running;
 * `ops down` stops it. Re-running is safe: every step is idempotent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $, chalk } from 'zx';
import { resolveStateDir } from '../src/core/state-dir.js';

$.verbose = false;
const ops = (args: string[]) => $({ stdio: ['inherit', 'pipe', 'inherit'] })`node bin/ops.js ${args}`;

const state = resolveStateDir();
const modelPath = join(state.modelsDir, 'smoke-tiny.gguf');
const planPath = join(state.root, 'demo-plan.yaml');
const port = Number(process.env.OPS_DEMO_PORT ?? 18181);
const gatewayPort = Number(process.env.OPS_DEMO_GATEWAY_PORT ?? 18180);
const prometheusPort = Number(process.env.OPS_DEMO_PROMETHEUS_PORT ?? 19090);
const nodeExporterPort = Number(process.env.OPS_DEMO_NODE_EXPORTER_PORT ?? 19100);
mkdirSync(state.root, { recursive: true });

console.log(chalk.bold('1/4 model: the built-in smoke model (random weights, byte-level vocabulary)'));
await ops(['models', 'smoke', '--size', 'tiny', '--out', modelPath]);

console.log(chalk.bold('2/4 plan'));
// The demo owns this file: rewritten every run so it follows the demo as ops grows.
writeFileSync(
  planPath,
  [
    '# Demo Plan written by `make demo`: one llama.cpp engine on the CPU serving the built-in smoke model,',
    '# fronted by the gateway (OpenAI + Anthropic APIs), watched by Prometheus and the ops agent.',
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
    'gateway:',
    `  port: ${gatewayPort}`,
    '# Prometheus, the node exporter and the ops agent (power, probes, usage into the ledger for ops report).',
    'monitoring:',
    `  prometheusPort: ${prometheusPort}`,
    `  nodeExporterPort: ${nodeExporterPort}`,
    '',
  ].join('\n'),
);
console.log(`  ${planPath}`);

console.log(chalk.bold('3/4 up'));
await ops(['up', '--plan', planPath]);

console.log(chalk.bold('4/4 a real request through the gateway, as Claude Code sends it'));
const status = JSON.parse((await ops(['status', '--json', '--deployment', 'demo'])).stdout) as {
  engines: { name: string; state: string; url: string }[];
  gateway?: { url: string; state: string };
};
const gateway = status.gateway;
if (gateway?.state !== 'healthy') throw new Error(`gateway not healthy: ${JSON.stringify(status)}`);
const started = performance.now();
const res = await fetch(`${gateway.url}/v1/messages?beta=true`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'local' },
  body: JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 24,
    messages: [{ role: 'user', content: 'Write a haiku about offline GPUs.' }],
  }),
});
if (!res.ok) throw new Error(`request failed: ${res.status} ${await res.text()}`);
const body = (await res.json()) as {
  content: { type: string; text?: string }[];
  usage: Record<string, number>;
};
const ms = Math.round(performance.now() - started);
const text = body.content.map((b) => b.text ?? '').join('');
console.log(`  answer (random weights, so the text is noise): ${JSON.stringify(text)}`);
console.log(`  usage: ${JSON.stringify(body.usage)} in ${ms} ms`);
console.log('');
console.log(chalk.green(`The stack keeps running. The gateway answers at ${gateway.url}:`));
console.log(`  Claude Code:    ANTHROPIC_BASE_URL=${gateway.url} ANTHROPIC_AUTH_TOKEN=local claude`);
console.log(`  OpenAI clients: base URL ${gateway.url}/v1`);
console.log(`  Prometheus:     http://127.0.0.1:${prometheusPort}`);
console.log(`  this month:     node bin/ops.js report`);
console.log(`  status:  node bin/ops.js status --deployment demo`);
console.log(`  stop it: node bin/ops.js down --deployment demo`);
