/**
 * How long `ops` takes to start, against `docker --version` (a CLI people do not find slow) in the same run:
 *   node --import tsx bench/cli/startup.ts [repetitions=11]
 *   OPS_BENCH_DEPLOYMENT=<name> adds `ops status -d <name>` for a deployment that runs (list + live probes).
 * Times, as child processes with an empty OPS_HOME: `ops --help` and `ops status` as an installed package runs
 * them (bin/ and the built dist/, rebuilt first so the figures are of this checkout, copied into a directory laid
 * out as npm installs the package, node_modules linked), `ops --help` in this checkout (the same dist/, after
 * bin/ops.js has checked that it is newer than every file in src/), `ops --help` from the TypeScript sources
 * through tsx (what every start cost before the build), `node -e 0` (Node's own start-up, the floor) and
 * `docker --version`. Each repetition runs every command once, in turn, so a busy machine slows all of
 * them alike; the figures are medians. CPU time (user + system, from the kernel's count of this process's
 * waited-for children in /proc/self/stat, 10 ms ticks) is printed too: unlike wall time it barely moves with
 * the load from other processes. The goal is `ops --help` under 200 ms.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPS = Number(process.argv[2] ?? 11);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OPS_BIN = join(ROOT, 'bin', 'ops.js');
const GOAL_MS = 200;

interface Case {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const dir = mkdtempSync(join(tmpdir(), 'ops-bench-startup-'));
const home = join(dir, 'home');
const installed = join(dir, 'ops');
const INSTALLED_BIN = join(installed, 'bin', 'ops.js');
const cases: Case[] = [
  { name: 'docker --version', command: 'docker', args: ['--version'] },
  { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
  { name: 'ops --help', command: process.execPath, args: [INSTALLED_BIN, '--help'] },
  { name: 'ops status', command: process.execPath, args: [INSTALLED_BIN, 'status'] },
  { name: 'ops --help (checkout)', command: process.execPath, args: [OPS_BIN, '--help'] },
  {
    name: 'ops --help (sources, tsx)',
    command: process.execPath,
    args: [OPS_BIN, '--help'],
    env: { OPS_FROM_SOURCE: '1' },
  },
  // A deployment that runs (engines, gateway, monitoring, agent), so `ops status` lists and probes something:
  // OPS_BENCH_DEPLOYMENT=<name> (any running deployment on this daemon; status only reads).
  ...(process.env.OPS_BENCH_DEPLOYMENT
    ? [
        {
          name: `ops status -d ${process.env.OPS_BENCH_DEPLOYMENT}`,
          command: process.execPath,
          args: [INSTALLED_BIN, 'status', '-d', process.env.OPS_BENCH_DEPLOYMENT],
        },
      ]
    : []),
];

/** CPU seconds of this process's finished children so far (cutime + cstime), or undefined off Linux. */
function childCpuSeconds(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are space-separated.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of proc(5), i.e. 14 and 15 after the state field; USER_HZ is 100.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

try {
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`the build failed:\n${build.stderr}`);
  process.stdout.write(build.stdout);
  // The package as npm lays it out (package.json `files`), with this checkout's dependencies.
  for (const part of ['package.json', 'bin', 'dist', 'catalog', 'hardware-profiles', 'containers'])
    cpSync(join(ROOT, part), join(installed, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'));

  const wallMs = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpuMs = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const c of cases) {
      const cpuBefore = childCpuSeconds();
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.command, c.args, {
        env: { ...process.env, OPS_HOME: home, ...c.env },
        encoding: 'utf8',
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpuAfter = childCpuSeconds();
      if (r.error) throw new Error(`${c.name}: ${r.error.message}`);
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}:\n${r.stderr}`);
      wallMs.get(c.name)?.push(ms);
      if (cpuBefore !== undefined && cpuAfter !== undefined)
        cpuMs.get(c.name)?.push((cpuAfter - cpuBefore) * 1000);
    }
  }

  const docker = median(wallMs.get('docker --version') ?? []);
  const dockerCpu = median(cpuMs.get('docker --version') ?? []);
  const rows = [['command', 'wall ms (median)', 'min', '× docker', 'CPU ms (median)', '× docker']];
  for (const c of cases) {
    const wall = wallMs.get(c.name) ?? [];
    const cpu = cpuMs.get(c.name) ?? [];
    rows.push([
      c.name,
      median(wall).toFixed(0),
      Math.min(...wall).toFixed(0),
      (median(wall) / docker).toFixed(2),
      cpu.length ? median(cpu).toFixed(0) : 'n/a',
      cpu.length && dockerCpu > 0 ? (median(cpu) / dockerCpu).toFixed(2) : 'n/a',
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  process.stdout.write(`\nstart-up, ${REPS} repetitions each, interleaved\n`);
  for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
  const help = median(wallMs.get('ops --help') ?? []);
  const source = median(wallMs.get('ops --help (sources, tsx)') ?? []);
  process.stdout.write(
    `\nops --help: ${help.toFixed(0)} ms = ${(help / docker).toFixed(2)}× docker --version, ${(source / help).toFixed(1)}× faster than from the sources; goal < ${GOAL_MS} ms: ${help < GOAL_MS ? 'met' : 'not met on this machine now'}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
