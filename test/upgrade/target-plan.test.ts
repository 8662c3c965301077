import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { chooseStrategy } from '../../src/upgrade/choose-strategy.js';
import {
  diffAgainstProposal,
  type ProposedEntry,
  replacementsToReturnTo,
} from '../../src/upgrade/plan-diff.js';
import {
  buildTargetPlan,
  incomingEntries,
  retiringEntries,
  unionPlan,
} from '../../src/upgrade/target-plan.js';

const planOf = (doc: Record<string, unknown>): Plan => {
  const r = validatePlan({ version: 1, deployment: 'lab', ...doc }, { planDir: '/p' });
  assert.deepEqual(r.problems, []);
  return r.plan!;
};
const current = planOf({
  engines: [
    {
      engine: 'llama.cpp',
      name: 'coder',
      model: '/m/a.gguf',
      contextLength: 4096,
      port: 8081,
      aliases: ['quality'],
    },
    { engine: 'llama.cpp', name: 'fast', model: '/m/f.gguf', contextLength: 4096, port: 8082 },
  ],
  gateway: { port: 8080, aliases: { 'quality-coder': 'coder', 'fast-coder': 'fast' } },
});
const GiB = 1024 ** 3;

describe('target Plan of a switch', () => {
  it('blue/green: a versioned entry on the next free port takes over every alias of the old one', () => {
    const target = buildTargetPlan(
      current,
      [{ entry: 'coder', model: '/m/b.gguf' }],
      'blue-green',
      new Set([8083]),
    );
    const added = target.engines[0] as { name: string; port: number; model: string; aliases: string[] };
    assert.match(added.name, /^coder-[0-9a-f]{6}$/);
    assert.equal(added.port, 8084, 'skips the gateway, the other engine and a port taken on the machine');
    assert.deepEqual(added.aliases, ['quality', 'coder']);
    assert.equal(target.gateway?.aliases['quality-coder'], added.name);
    assert.equal(target.gateway?.aliases['fast-coder'], 'fast');
    assert.deepEqual(
      incomingEntries(current, target).map((e) => e.name),
      [added.name],
    );
    assert.deepEqual(
      retiringEntries(current, target).map((e) => e.name),
      ['coder'],
    );
    assert.deepEqual(
      unionPlan(current, target).engines.map((e) => e.name),
      ['coder', 'fast', added.name],
    );
    assert.deepEqual(
      unionPlan(current, target).gateway,
      current.gateway,
      'aliases move only after the checks',
    );
    // Upgrading again keeps the stem rather than stacking hashes.
    const again = buildTargetPlan(target, [{ entry: added.name, model: '/m/c.gguf' }], 'blue-green');
    assert.match(again.engines[0]!.name, /^coder-[0-9a-f]{6}$/);
  });

  it('stop-and-swap: the entry keeps its name and port, only what it runs changes', () => {
    const target = buildTargetPlan(
      current,
      [{ entry: 'coder', model: '/m/b.gguf', parallel: 2 }],
      'stop-and-swap',
    );
    assert.deepEqual(
      target.engines.map((e) => [e.name, (e as { port: number }).port]),
      [
        ['coder', 8081],
        ['fast', 8082],
      ],
    );
    assert.deepEqual(
      incomingEntries(current, target).map((e) => e.name),
      ['coder'],
    );
    assert.deepEqual(retiringEntries(current, target), []);
  });

  it('refuses an entry the Plan does not have', () => {
    assert.throws(
      () => buildTargetPlan(current, [{ entry: 'nope', model: '/m/b.gguf' }], 'blue-green'),
      /no engine named nope/,
    );
  });

  it('rolls back role by role to the previous Plan', () => {
    const target = buildTargetPlan(current, [{ entry: 'coder', model: '/m/b.gguf' }], 'blue-green');
    const back = replacementsToReturnTo(target, current);
    assert.deepEqual(
      back.map((r) => [r.entry, r.model]),
      [[target.engines[0]!.name, '/m/a.gguf']],
    );
    assert.deepEqual(replacementsToReturnTo(current, current), []);
  });
});

describe('what changed since the Plan was made', () => {
  const proposal = (role: string, model: string): ProposedEntry => ({
    role,
    label: 'm Q8_0',
    model,
    contextLength: 4096,
    parallel: 1,
    args: [],
    gpus: [],
    predicted: { gpuBytes: {}, cpuBytes: GiB },
    totalBytes: GiB,
    estTokensPerSec: 10,
    downloadBytes: 0,
    builtin: true,
    supportsTools: false,
  });

  it('finds nothing when the planner would choose what runs, and the model change otherwise', () => {
    assert.deepEqual(
      diffAgainstProposal(current, [
        proposal('quality-coder', '/m/a.gguf'),
        proposal('fast-coder', '/m/f.gguf'),
      ]).changes,
      [],
    );
    const { changes } = diffAgainstProposal(current, [
      proposal('quality-coder', '/m/b.gguf'),
      proposal('fast-coder', '/m/g.gguf'),
    ]);
    assert.deepEqual(
      changes.map((c) => [c.role, c.entry, c.reasons]),
      [
        ['quality-coder', 'coder', ['model a.gguf → b.gguf (m Q8_0)']],
        ['fast-coder', 'fast', ['model f.gguf → g.gguf (m Q8_0)']],
      ],
    );
    const only = diffAgainstProposal(
      current,
      [proposal('quality-coder', '/m/b.gguf'), proposal('fast-coder', '/m/g.gguf')],
      'fast-coder',
    );
    assert.deepEqual(
      only.changes.map((c) => c.role),
      ['fast-coder'],
    );
  });
});

describe('blue/green or stop-and-swap', () => {
  it('is blue/green when the new engine fits beside the old, stop-and-swap when it does not', () => {
    const free = { gpuBytes: { 0: 10 * GiB }, cpuBytes: 8 * GiB };
    assert.equal(chooseStrategy([{ gpuBytes: { 0: 8 * GiB }, cpuBytes: 0 }], free).strategy, 'blue-green');
    const tight = chooseStrategy([{ gpuBytes: { 0: 9.5 * GiB }, cpuBytes: 0 }], free);
    assert.equal(tight.strategy, 'stop-and-swap', 'the 1 GiB reserve counts');
    assert.match(tight.reason, /GPU0/);
    assert.equal(chooseStrategy([{ gpuBytes: {}, cpuBytes: 7.5 * GiB }], free).strategy, 'stop-and-swap');
    assert.equal(
      chooseStrategy([{ gpuBytes: { 1: GiB }, cpuBytes: 0 }], free).strategy,
      'stop-and-swap',
      'unknown GPU',
    );
  });
});
