import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { RuntimeUnavailableError } from '../core/errors.js';

/** One way to reach a Docker daemon: where it points, or `undefined` when it does not apply here. */
export interface DockerCandidate {
  /** What was tried, for the error message (e.g. `DOCKER_HOST=tcp://10.0.0.5:2375`). */
  description: string;
  options: Docker.DockerOptions;
}

type Strategy = (env: NodeJS.ProcessEnv) => DockerCandidate | undefined;

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * The ordered strategies, as in testcontainers' runtime discovery: an explicit `DOCKER_HOST` wins and is the only
 * one tried when set (silently talking to another daemon than the one the user named would be wrong);
 * otherwise the system socket, then the rootless socket
 * (https://docs.docker.com/engine/security/rootless/ — `$XDG_RUNTIME_DIR/docker.sock`).
 */
const strategies: Strategy[] = [
  (env) => (env.DOCKER_HOST ? fromDockerHost(env.DOCKER_HOST, env) : undefined),
  (env) =>
    env.DOCKER_HOST
      ? undefined
      : { description: `socket ${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET } },
  (env) =>
    !env.DOCKER_HOST && env.XDG_RUNTIME_DIR
      ? rootlessCandidate(join(env.XDG_RUNTIME_DIR, 'docker.sock'))
      : undefined,
];

/** The daemons worth trying for this environment, in order (pure apart from reading TLS files). */
export function dockerCandidates(env: NodeJS.ProcessEnv = process.env): DockerCandidate[] {
  return strategies.map((strategy) => strategy(env)).filter((c): c is DockerCandidate => c !== undefined);
}

/** Finds a Docker daemon that answers a ping (DOCKER_HOST, default socket, rootless socket) and returns a client. */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  const tried: string[] = [];
  for (const candidate of dockerCandidates(env)) {
    const docker = new Docker(candidate.options);
    try {
      await pingWithin(docker, 5000);
      return docker;
    } catch (error) {
      tried.push(`${candidate.description}: ${describe(error)}`);
    }
  }
  throw new RuntimeUnavailableError(
    `no Docker daemon answered; tried:\n${tried.map((t) => `  - ${t}`).join('\n')}`,
    {
      hint:
        'start the daemon (`sudo systemctl start docker`, or `sudo dockerd &` where there is no systemd), ' +
        'run scripts/ensure-docker.sh to install it, or point DOCKER_HOST at a running one (unix:///path or tcp://host:2375)',
    },
  );
}

function fromDockerHost(value: string, env: NodeJS.ProcessEnv): DockerCandidate {
  const description = `DOCKER_HOST=${value}`;
  if (value.startsWith('unix://'))
    return { description, options: { socketPath: value.slice('unix://'.length) } };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RuntimeUnavailableError(`DOCKER_HOST is not a URL: ${value}`, {
      hint: 'use unix:///var/run/docker.sock or tcp://HOST:PORT',
    });
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RuntimeUnavailableError(`DOCKER_HOST scheme ${url.protocol} is not supported: ${value}`, {
      hint: 'use unix:///path/to/docker.sock or tcp://HOST:PORT (ssh:// is not supported; forward the socket instead)',
    });
  }
  // Docker CLI convention: DOCKER_TLS_VERIFY=1 means https with ca/cert/key.pem from DOCKER_CERT_PATH (or ~/.docker).
  const tls =
    url.protocol === 'https:' || (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '');
  const port = url.port || (tls ? '2376' : '2375');
  if (!tls) return { description, options: { protocol: 'http', host: url.hostname, port } };
  const certDir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
  const read = (name: string) => {
    const file = join(certDir, name);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
  return {
    description,
    options: {
      protocol: 'https',
      host: url.hostname,
      port,
      ca: read('ca.pem'),
      cert: read('cert.pem'),
      key: read('key.pem'),
    },
  };
}

function rootlessCandidate(socketPath: string): DockerCandidate {
  return { description: `rootless socket ${socketPath}`, options: { socketPath } };
}

async function pingWithin(docker: Docker, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    const code = error.code;
    if (code === 'ENOENT') return 'no such socket';
    if (code === 'EACCES') return 'permission denied (add the user to the docker group, or run as root)';
    if (code === 'ECONNREFUSED') return 'connection refused';
  }
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
