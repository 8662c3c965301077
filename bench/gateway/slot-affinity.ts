/**
 * Prompt-cache affinity on llama.cpp: 4 concurrent Claude-Code-shaped multi-turn sessions (one long system
 * prompt shared by all, a growing history each) on an engine with 4 slots, through the gateway twice in the
 * same run — once leaving the slot to the engine (`slotAffinity: false`), once keeping each session on its
 * slot (`id_slot`). Prints the prompt tokens the engine re-processed per turn (its own counter,
 * `llamacpp:prompt_tokens_total`, which counts only tokens not taken from a slot's cache) and the time to
 * first token, for both, and their ratios. The real llama.cpp engine (`ops/llama.cpp:cpu`) serves the
 * `bench` smoke model (byte-level vocabulary: one token per byte of prompt).
 *   node --import tsx bench/gateway/slot-affinity.ts [turns=5] [systemBytes=2000] [model=bench|tiny]
 * (`tiny` for a loaded 2-core machine, where the bench model reads 4 concurrent prompts too slowly.)
 */
import { join } from 'node:path';
import { EventBus } from '../../src/core/events.js';
import { createGateway } from '../../src/gateway/server.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp } from '../../src/runtime/deployer.js';
import {
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../../test/support/docker-test-kit.js';
import { testModelLocator } from '../../test/support/model-locator.js';

const TURNS = Number(process.argv[2] ?? 5);
const SYSTEM_BYTES = Number(process.argv[3] ?? 2000);
const SIZE = process.argv[4] === 'tiny' ? 'tiny' : 'bench';
const SESSIONS = 4;
const SLOTS = 4;

const kit = await dockerTestKit();
const deployment = testDeploymentName();
const model = join(kit.dir, 'bench.gguf');
await writeSmokeModel({ out: model, size: SIZE, seed: 3 });
const port = await freePort();
const { plan, problems } = validatePlan(
  {
    version: 1,
    deployment,
    engines: [
      {
        engine: 'llama.cpp',
        name: 'coder',
        image: TEST_ENGINE_IMAGE,
        model,
        // Each slot holds a whole session: -c is divided among the slots.
        contextLength: SLOTS * (SYSTEM_BYTES + TURNS * 400 + 1024),
        parallel: SLOTS,
        port,
        healthTimeoutS: 180,
      },
    ],
  },
  { planDir: kit.dir },
);
if (!plan) throw new Error(JSON.stringify(problems));

async function promptTokensProcessed(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = text.match(/^llamacpp:prompt_tokens_total\s+([\d.e+]+)/m);
  if (!m) throw new Error('llama.cpp reported no llamacpp:prompt_tokens_total');
  return Number(m[1]);
}

/** One streamed Messages turn; resolves with the answer's text and the time to its first token. */
async function turn(url: string, body: object): Promise<{ text: string; ttftMs: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!res.ok || !res.body) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
  let text = '';
  let ttftMs: number | undefined;
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += Buffer.from(chunk).toString('utf8');
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf('\n\n');
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const event = JSON.parse(data.slice(6));
      if (event.type === 'content_block_delta') {
        ttftMs ??= performance.now() - started;
        if (event.delta.type === 'text_delta') text += event.delta.text;
      }
      if (event.type === 'error') throw new Error(event.error.message);
    }
  }
  return { text, ttftMs: ttftMs ?? performance.now() - started };
}

/** 4 sessions at once, each TURNS turns: Claude Code's shape (shared system prompt, tool-result-like turns). */
async function phase(name: string, slotAffinity: boolean) {
  const gateway = createGateway({ upstreams: upstreamsFromPlan(plan!), slotAffinity, cache: false });
  const url = await gateway.listen(0);
  // A system prompt per phase, so neither phase starts with the other's cache.
  const system =
    `You are a coding agent (${name}). ${'Follow the repository conventions. '.repeat(SYSTEM_BYTES / 34)}`.slice(
      0,
      SYSTEM_BYTES,
    );
  const before = await promptTokensProcessed();
  const ttfts: number[] = [];
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => {
      const messages: object[] = [
        { role: 'user', content: `Session ${s} of ${name}: fix the failing test.` },
      ];
      for (let t = 0; t < TURNS; t++) {
        const r = await turn(url, {
          model: 'coder',
          max_tokens: 8,
          system,
          metadata: { user_id: `user_bench_session_${name}_${s}` },
          messages,
        });
        ttfts.push(r.ttftMs);
        messages.push({ role: 'assistant', content: r.text || '.' });
        messages.push({ role: 'user', content: `Tool output ${t}: ${`line ${t} of the file\n`.repeat(12)}` });
      }
    }),
  );
  const processed = (await promptTokensProcessed()) - before;
  await gateway.close();
  ttfts.sort((a, b) => a - b);
  return {
    name,
    perTurn: processed / (SESSIONS * TURNS),
    ttftP50: ttfts[Math.floor(ttfts.length / 2)]!,
    ttftMean: ttfts.reduce((a, b) => a + b, 0) / ttfts.length,
  };
}

// Interrupted (Ctrl-C, a timeout), it still removes its engine.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void kit.cleanup(deployment).finally(() => process.exit(130));
  });
}

try {
  await deployUp(plan, kit.runtime, new EventBus(), { models: testModelLocator(kit.dir) });
  const engine = await phase('engine-choice', false);
  const affinity = await phase('affinity', true);
  const row = (p: typeof engine) =>
    `${p.name.padEnd(14)} ${p.perTurn.toFixed(0).padStart(8)} ${p.ttftP50.toFixed(0).padStart(9)} ${p.ttftMean.toFixed(0).padStart(10)}`;
  console.log(
    `${SESSIONS} sessions × ${TURNS} turns, ${SLOTS} slots, system prompt ${SYSTEM_BYTES} tokens, ${SIZE} smoke model`,
  );
  console.log('phase          prompt tokens re-processed/turn   TTFT p50 ms   TTFT mean ms');
  console.log(row(engine));
  console.log(row(affinity));
  console.log(
    `ratios (engine's choice / affinity): re-processed tokens ${(engine.perTurn / affinity.perTurn).toFixed(2)}x, TTFT p50 ${(engine.ttftP50 / affinity.ttftP50).toFixed(2)}x, TTFT mean ${(engine.ttftMean / affinity.ttftMean).toFixed(2)}x`,
  );
} finally {
  await kit.cleanup(deployment);
}
