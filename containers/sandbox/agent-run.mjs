// The agentic suite's driver inside the eval sandbox (src/eval/agentic-suite.ts mounts it read-only at
// /opt/ops-agent/agent-run.mjs). The container has no network at all (`--network none`): its loopback is its own.
// The one way out is the unix socket ops bind-mounts at OPS_AGENT_SOCKET, whose other end (src/eval/gateway-relay.ts,
// on the host) connects to the gateway and nothing else. This script listens on the container's own 127.0.0.1, pipes
// each connection into that socket, runs the real Claude Code CLI headless in /work/repo against it, and finally
// prints the repository's files as one line, `OPS-AGENT-RESULT <base64 JSON>`, so they can be graded in a fresh run.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';

const env = process.env;
const port = Number(env.OPS_AGENT_PORT);
const socket = env.OPS_AGENT_SOCKET;
const repo = '/work/repo';
// What comes back is bounded (the job's log is capped too): small repositories, text files only.
const MAX_FILE_BYTES = 256 * 1024;
const MAX_TOTAL_BYTES = 512 * 1024;
const SKIP = new Set(['.git', 'node_modules', '__pycache__', '.pytest_cache']);

const relay = net.createServer((client) => {
  const upstream = net.connect(socket);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.pipe(upstream).pipe(client);
});
await new Promise((resolve, reject) => {
  relay.once('error', reject);
  relay.listen(port, '127.0.0.1', resolve);
});

const args = [
  '-p',
  env.OPS_AGENT_PROMPT ?? '',
  '--output-format',
  'json',
  '--model',
  env.OPS_AGENT_MODEL ?? 'sonnet',
  '--max-turns',
  env.OPS_AGENT_MAX_TURNS ?? '12',
  // The sandbox is the permission boundary (no network, read-only root, limits), as Claude Code's docs advise for
  // unattended runs: every tool may run inside it.
  '--dangerously-skip-permissions',
];
const child = spawn('/opt/claude/claude', args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
let stdout = '';
let stderr = '';
child.stdout.on('data', (d) => {
  if (stdout.length < 64 * 1024) stdout += d;
});
child.stderr.on('data', (d) => {
  stderr = (stderr + d).slice(-4096);
});
const exitCode = await new Promise((resolve) => {
  child.on('error', (error) => {
    stderr += String(error);
    resolve(127);
  });
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});
relay.close();

let summary;
try {
  const parsed = JSON.parse(stdout);
  summary = {
    isError: parsed.is_error,
    turns: parsed.num_turns,
    result: String(parsed.result ?? '').slice(0, 500),
  };
} catch {
  summary = { result: stdout.slice(-500) };
}

const files = {};
let total = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.isFile() && statSync(path).size <= MAX_FILE_BYTES && total < MAX_TOTAL_BYTES) {
      const content = readFileSync(path, 'utf8');
      total += content.length;
      files[relative(repo, path)] = content;
    }
  }
};
walk(repo);
const result = { exitCode, summary, stderr: stderr.slice(-1000), files };
process.stdout.write(`\nOPS-AGENT-RESULT ${Buffer.from(JSON.stringify(result)).toString('base64')}\n`);
