import assert from 'node:assert/strict';
import { Command } from 'commander';
import { describe, it } from 'vitest';
import { commands, type LazyCommands } from '../../src/cli/commands/index.js';
import { buildProgram, commandName } from '../../src/cli/main.js';

const noContext = () => {
  throw new Error('registering must not create the context');
};

describe('the lazy command table', () => {
  it('has only lazy entries, so `ops --help` imports no command file', () => {
    const eager = commands.filter((c) => typeof c === 'function').map((c) => c.name);
    assert.deepEqual(
      eager,
      [],
      `make these lazy entries in src/cli/commands/index.ts (ARCHITECTURE.md, "Adding a command"): ${eager.join(', ')}`,
    );
  });

  for (const entry of commands.filter((c): c is LazyCommands => typeof c !== 'function')) {
    const listed = Object.keys(entry.commands).join(', ');
    it(`lists what its file registers, with the file's descriptions: ${listed}`, async () => {
      const program = new Command();
      (await entry.load())(program, noContext);
      const registered = Object.fromEntries(program.commands.map((c) => [c.name(), c.description()]));
      assert.deepEqual(entry.commands, registered);
    });
  }

  it('names each command once', () => {
    const names = commands.flatMap((c) => (typeof c === 'function' ? [] : Object.keys(c.commands)));
    assert.deepEqual(names, [...new Set(names)]);
  });
});

describe('which command a command line names', () => {
  const cases: [string[], string | undefined][] = [
    [[], undefined],
    [['--help'], undefined],
    [['-v', 'status', '--json'], 'status'],
    [['--json-events', 'plan', 'extra'], 'plan'],
    [['help', 'plan'], 'plan'],
    [['help'], undefined],
    [['--', 'plan'], undefined],
    [['models', 'pull', 'x'], 'models'],
  ];
  for (const [args, name] of cases)
    it(`${JSON.stringify(args)} → ${name}`, () => assert.equal(commandName(args), name));
});

describe('buildProgram', () => {
  it('lists every command without loading one when none is named', async () => {
    const program = await buildProgram(['node', 'ops', '--help']);
    const all = commands.flatMap((c) => (typeof c === 'function' ? [] : Object.keys(c.commands)));
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      all,
    );
    // A listed command has no options of its own: its file was not imported.
    assert.deepEqual(program.commands.find((c) => c.name() === 'plan')?.options, []);
  });

  it("registers only the named command's file, with its real options", async () => {
    const program = await buildProgram(['node', 'ops', 'status', '--json']);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      ['up', 'down', 'status', 'logs'],
    );
    assert.ok(program.commands.find((c) => c.name() === 'status')?.options.some((o) => o.long === '--json'));
  });
});
