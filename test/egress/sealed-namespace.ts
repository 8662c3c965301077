import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { LABEL } from '../../src/core/labels.js';

const run = promisify(execFile);

/** A packet that tried to leave the namespace: protocol, destination address and port. */
export interface Attempt {
  protocol: string;
  address: string;
  port: number;
}

/**
 * The nftables recorder. Every packet the namespace's programs send beyond loopback is added to a set (one element
 * per destination) and counted, then refused at once (TCP reset, ICMP unreachable) so a client that tries fails
 * fast instead of hanging; 203.0.113.0/24 (TEST-NET-3) is dropped instead, so the control attempt stays visible as
 * a half-open socket. DNS to a loopback resolver counts too (the name lookup is the first step out). The kernel's
 * own IPv6 neighbour discovery on the sink link (ff02::/16 ICMPv6) is not a program's connection and is let be.
 */
const RULESET = `
table inet ops_egress {
  set seen4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  set seen6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  counter attempts { }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" th dport != 53 accept
    ip6 daddr ff02::/16 meta l4proto ipv6-icmp accept
    meta nfproto ipv4 add @seen4 { ip daddr . meta l4proto . th dport } counter name attempts
    meta nfproto ipv6 add @seen6 { ip6 daddr . meta l4proto . th dport } counter name attempts
    oifname "lo" accept
    ip daddr 203.0.113.0/24 drop
    meta l4proto tcp reject with tcp reset
    reject
  }
}
`;

/**
 * A network namespace with no route out, whose every attempt to leave is recorded.
 *
 * It is the namespace of a holder container started with Docker's `none` network (loopback only), so the stack's
 * containers join it with Docker's own `container:<holder>` network mode, and host programs (ops, the agent,
 * Claude Code) enter it with `ip netns exec` once `ip netns attach` has named it. A route to nowhere is then added
 * so that attempts become packets the recorder sees, not silent ENETUNREACH: a veth pair with both ends inside
 * the namespace (`egress0` → `egress1`, nothing forwards from it), with default routes for IPv4 and IPv6.
 */
export class SealedNamespace {
  private constructor(
    readonly name: string,
    readonly holderId: string,
    private readonly docker: Docker,
  ) {}

  /**
   * `owner` is the holder's own deployment label (a t-* name, so leftovers of a killed run are cleaned up like any
   * test's); it must differ from the stack's deployment, which `up` reconciles and would remove the holder from.
   */
  static async create(docker: Docker, owner: string, image: string): Promise<SealedNamespace> {
    const holder = await docker.createContainer({
      name: `${owner}-netns`,
      Image: image,
      Entrypoint: ['sleep'],
      Cmd: ['infinity'],
      Labels: {
        [LABEL.managed]: 'true',
        [LABEL.deployment]: owner,
        [LABEL.role]: 'job',
        [LABEL.name]: 'netns',
      },
      // The stack's containers share this hostname and /etc/hosts. A host names itself in /etc/hosts (Debian's
      // installer writes `127.0.1.1 <name>`), and Prometheus looks its own name up at every config load
      // (prometheus#5366); without the entry that lookup is a DNS query, which `ops doctor` warns about.
      Hostname: 'ops-box',
      HostConfig: { NetworkMode: 'none', Init: true, ExtraHosts: ['ops-box:127.0.1.1'] },
    });
    await holder.start();
    const pid = (await holder.inspect()).State.Pid;
    const ns = new SealedNamespace(`ops-egress-${owner}`, holder.id, docker);
    const ip = (...args: string[]) => run('ip', args);
    await ip('netns', 'attach', ns.name, String(pid));
    // Docker turns IPv6 off in a `none` namespace; on, so IPv6 attempts are packets too.
    await ns.run([
      'sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.all.disable_ipv6=0',
      'net.ipv6.conf.default.disable_ipv6=0',
    ]);
    await ip('-n', ns.name, 'link', 'add', 'egress0', 'type', 'veth', 'peer', 'name', 'egress1');
    await ip('-n', ns.name, 'link', 'set', 'egress1', 'up');
    await ip('-n', ns.name, 'link', 'set', 'egress0', 'up');
    await ip('-n', ns.name, 'addr', 'add', '198.18.0.1/32', 'dev', 'egress0');
    await ip('-n', ns.name, 'route', 'add', 'default', 'dev', 'egress0');
    await ip('-n', ns.name, '-6', 'route', 'add', 'default', 'dev', 'egress0');
    await ns.run(['nft', '-f', '-'], { input: RULESET });
    return ns;
  }

  /** Runs a program inside the namespace to its end. */
  run(
    argv: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const child = this.spawn(argv, options);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => (stdout += d));
      child.stderr?.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (options.input === undefined || code === 0)
          resolve({ code, stdout, stderr, ms: Date.now() - started });
        else reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`));
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Starts a program inside the namespace. */
  spawn(
    argv: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; stdin?: 'pipe' } = {},
  ): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, ...argv], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined && !options.stdin ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  }

  /** Every destination something in the namespace tried to reach since the last `clear`, and the packet count. */
  async attempts(): Promise<{ attempts: Attempt[]; packets: number }> {
    const { stdout } = await run('ip', [
      'netns',
      'exec',
      this.name,
      'nft',
      '-j',
      'list',
      'table',
      'inet',
      'ops_egress',
    ]);
    const attempts: Attempt[] = [];
    let packets = 0;
    for (const item of JSON.parse(stdout).nftables as Record<string, LooseNft>[]) {
      if (item.set) {
        for (const e of item.set.elem ?? []) {
          const [address, protocol, port] = e.concat ?? e.elem?.val?.concat ?? [];
          attempts.push({ address: String(address), protocol: String(protocol), port: Number(port) });
        }
      }
      if (item.counter) packets += Number(item.counter.packets ?? 0);
    }
    return { attempts, packets };
  }

  async clear(): Promise<void> {
    await this.run(['nft', '-f', '-'], {
      input:
        'flush set inet ops_egress seen4\nflush set inet ops_egress seen6\nreset counters table inet ops_egress\n',
    });
  }

  async close(): Promise<void> {
    await run('ip', ['netns', 'delete', this.name]).catch(() => undefined);
    await this.docker
      .getContainer(this.holderId)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: nft's JSON output is read field by field
type LooseNft = any;
