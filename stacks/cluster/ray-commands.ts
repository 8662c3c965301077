/** Ray's GCS port on the leader; workers join it (vLLM's multi-node serving docs). */
export const RAY_PORT = 6379;
/** A fixed raylet port on workers, so their readiness can be a TCP probe. */
export const RAY_NODE_MANAGER_PORT = 6380;

/** POSIX single-quoting, so Plan values reach the shell as one word each. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The leader's script: start the Ray head, wait until every pipeline stage's node has joined, then run the
 * OpenAI server on Ray (`--distributed-executor-backend ray`, as vLLM's multi-node docs do).
 */
export function rayLeaderScript(serverArgs: readonly string[], nodes: number): string {
  const wait = [
    'import ray, sys, time',
    'ray.init(address="auto")',
    `while sum(1 for n in ray.nodes() if n["Alive"]) < ${nodes}: time.sleep(5)`,
  ].join('\n');
  return [
    `ray start --head --port=${RAY_PORT} --disable-usage-stats`,
    `python3 -c ${shellQuote(wait)}`,
    `exec python3 -m vllm.entrypoints.openai.api_server ${serverArgs.map(shellQuote).join(' ')} --distributed-executor-backend ray`,
  ].join(' && ');
}

/** A worker's script: join the leader's Ray cluster and stay in the foreground. */
export function rayWorkerScript(leaderAddress: string): string {
  return `exec ray start --address=${leaderAddress}:${RAY_PORT} --node-manager-port=${RAY_NODE_MANAGER_PORT} --disable-usage-stats --block`;
}
