import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { LLAMA_CPP_CUDA_IMAGE } from '../../src/engines/llama-cpp-adapter.js';
import { connectDocker } from '../../src/runtime/docker-connection.js';
import { TEST_ENGINE_IMAGE, testDeploymentName } from './docker-test-kit.js';

const GPU_SIM = join(import.meta.dirname, '..', 'gpu-sim');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');

/** The recorded machines a journey can run on (test/fixtures/nvidia-smi). */
export type GpuHostFixture = 'rtx-4090-550' | 'rtx-4090-x2-535' | 'h100-sxm-x8-550';

/** Where a GPU journey runs: the simulated host (stand-ins) or a machine with real GPUs and NVIDIA's toolkit. */
export interface GpuHost {
  kind: 'simulated' | 'real';
  /** Environment for the `ops` processes under test: the stand-ins first on PATH when simulated, nothing when real. */
  env: NodeJS.ProcessEnv;
  /** GPU indexes nvidia-smi (real or stand-in) lists. */
  gpuIndexes: number[];
  cleanup(): void;
}

function findOnPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

function listGpuIndexes(nvidiaSmi: string, env: NodeJS.ProcessEnv = process.env): number[] {
  const csv = execFileSync(nvidiaSmi, ['--query-gpu=index', '--format=csv,noheader'], {
    env,
    encoding: 'utf8',
  });
  return csv
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => Number(l.trim()));
}

/**
 * Whether the Docker daemon accepts a GPU request (`--gpus all`): it does with NVIDIA's toolkit, or when it was
 * started with the hook stand-in on its PATH (scripts/ensure-gpu-sim-docker.sh). Without either it refuses with
 * "could not select device driver".
 */
async function daemonAcceptsGpus(): Promise<true | string> {
  const docker = await connectDocker();
  try {
    const container = await docker.createContainer({
      Image: TEST_ENGINE_IMAGE,
      Entrypoint: ['/bin/true'],
      Labels: { 'ops.managed': 'true', 'ops.deployment': testDeploymentName(), 'ops.role': 'job' },
      HostConfig: {
        AutoRemove: true,
        NetworkMode: 'none',
        DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }],
      },
    });
    await container.start().catch(async (error: Error) => {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    });
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Prepares the machine a GPU journey runs on. With real GPUs (a real nvidia-smi on PATH) it changes nothing, so
 * the same journeys are the acceptance run on hardware. Otherwise it builds the simulated host: the nvidia-smi
 * and nvidia-ctk stand-ins first on PATH, answering from `fixture`, and the CPU llama.cpp image tagged as the
 * image a GPU Plan asks for. Returns a reason to skip where the journey cannot run (too few GPUs; a Docker daemon
 * that refuses `--gpus` and that ops did not start, so the stand-in hook could not be given to it).
 */
export async function prepareGpuHost(fixture: GpuHostFixture, minGpus = 1): Promise<GpuHost | string> {
  const real = findOnPath('nvidia-smi');
  if (real && !real.startsWith(GPU_SIM)) {
    const gpuIndexes = listGpuIndexes(real);
    if (gpuIndexes.length < minGpus)
      return `this machine has ${gpuIndexes.length} NVIDIA GPU(s); the journey needs ${minGpus}`;
    return { kind: 'real', env: {}, gpuIndexes, cleanup: () => undefined };
  }
  const accepts = await daemonAcceptsGpus();
  if (accepts !== true)
    return `the Docker daemon refuses --gpus (${accepts.trim().split('\n')[0]}); on a daemon ops started, \`make gpu-sim\` (scripts/ensure-gpu-sim-docker.sh) gives it the stand-in NVIDIA hook; a daemon ops did not start is never restarted`;

  // The engine a GPU Plan asks for is upstream's CUDA image; here the CPU image stands in under that name.
  const docker = await connectDocker();
  const cpu = await docker.getImage(TEST_ENGINE_IMAGE).inspect();
  const tagged = await docker
    .getImage(LLAMA_CPP_CUDA_IMAGE)
    .inspect()
    .catch(() => undefined);
  if (tagged && tagged.Config.Labels?.['ops.managed'] !== 'true')
    return `${LLAMA_CPP_CUDA_IMAGE} is present and was not built by ops: not replacing it on a machine without GPUs`;
  if (tagged?.Id !== cpu.Id) {
    const at = LLAMA_CPP_CUDA_IMAGE.lastIndexOf(':');
    await docker
      .getImage(cpu.Id)
      .tag({ repo: LLAMA_CPP_CUDA_IMAGE.slice(0, at), tag: LLAMA_CPP_CUDA_IMAGE.slice(at + 1) });
  }

  const bin = mkdtempSync(join(tmpdir(), 'ops-gpu-sim-'));
  for (const program of ['nvidia-smi', 'nvidia-ctk'])
    copyFileSync(join(GPU_SIM, 'bin', program), join(bin, program));
  // The stand-in answers from the report beside it: a PATH entry alone chooses the GPUs, for every child process.
  copyFileSync(join(FIXTURES, `${fixture}.xml`), join(bin, 'nvidia-smi.xml'));
  const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const gpuIndexes = listGpuIndexes(join(bin, 'nvidia-smi'), { ...process.env, ...env });
  const cleanup = () => rmSync(bin, { recursive: true, force: true });
  if (gpuIndexes.length < minGpus) {
    cleanup();
    return `the fixture ${fixture} has ${gpuIndexes.length} GPU(s); the journey needs ${minGpus}`;
  }
  return { kind: 'simulated', env, gpuIndexes, cleanup };
}
