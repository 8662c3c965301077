import type * as k8s from '@pulumi/kubernetes';
import { MODEL_MOUNT_DIR } from '../../src/engines/model-mount.js';
import { vllmAdapter } from '../../src/engines/vllm-adapter.js';
import type { VllmEntry } from '../../src/plan/types.js';
import { entryWithLayout, type VllmClusterLayout } from '../../src/planner/cluster/vllm-layout.js';

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;

/** The port vLLM listens on inside its container (the adapter's, so single host and cluster agree). */
export const ENGINE_PORT = vllmAdapter.containerPort;
/** PyTorch shares tensors between tensor-parallel workers through /dev/shm (vLLM's Kubernetes docs). */
export const SHM_SIZE = '16Gi';
const PROBE_PERIOD_S = 10;

/** Where a pod's GPUs, CPU and memory come from; requests equal limits so GPU pods get a Guaranteed QoS. */
export function engineResources(
  gpus: number,
  cpu: string,
  memory: string,
): k8s.types.input.core.v1.ResourceRequirements {
  const amounts = { cpu, memory, 'nvidia.com/gpu': String(gpus) };
  return { requests: amounts, limits: amounts };
}

/**
 * vLLM's flags for an entry with its cluster layout: the single-host adapter's own `cmd`, so the flags are
 * derived once (TP, `--max-model-len`, served name, quantization, tool parser…).
 */
export function vllmServerArgs(entry: VllmEntry, layout: VllmClusterLayout, deployment: string): string[] {
  return vllmAdapter.containerSpec(entryWithLayout(entry, layout), { deployment, modelIdentity: '' }).cmd;
}

/** The engine's environment as the adapter sets it (offline: never reach for the hub from inside the engine). */
export function vllmEnv(entry: VllmEntry, deployment: string): { name: string; value: string }[] {
  const { env } = vllmAdapter.containerSpec(entry, { deployment, modelIdentity: '' });
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/**
 * Readiness on `/health` keeps the Service from routing to a loading engine; the startup probe gives model
 * loading the Plan's `healthTimeoutS` before liveness may restart the pod.
 */
export function healthProbes(
  healthTimeoutS: number,
): Pick<Container, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const httpGet = { path: vllmAdapter.healthPath, port: 'http' };
  return {
    startupProbe: {
      httpGet,
      periodSeconds: PROBE_PERIOD_S,
      failureThreshold: Math.ceil(healthTimeoutS / PROBE_PERIOD_S),
    },
    readinessProbe: { httpGet, periodSeconds: PROBE_PERIOD_S, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/** Engines need no privilege: GPUs come from the device plugin, not from privileged mode. */
export const ENGINE_SECURITY_CONTEXT: k8s.types.input.core.v1.SecurityContext = {
  privileged: false,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

export interface EnginePodInputs {
  nodeSelector: Record<string, string>;
  tolerations: k8s.types.input.core.v1.Toleration[];
  modelVolume: Volume;
}

/** A GPU pod: the model cache read-only at /models, a RAM-backed /dev/shm, GPU node selector and tolerations. */
export function enginePodSpec(container: Container, inputs: EnginePodInputs): PodSpec {
  return {
    containers: [
      {
        ...container,
        volumeMounts: [
          { name: 'models', mountPath: MODEL_MOUNT_DIR, readOnly: true },
          { name: 'dshm', mountPath: '/dev/shm' },
        ],
      },
    ],
    volumes: [
      { ...inputs.modelVolume, name: 'models' },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: SHM_SIZE } },
    ],
    nodeSelector: inputs.nodeSelector,
    tolerations: inputs.tolerations,
    // Loading tens of GB of weights: give the server time to drain requests before the kill.
    terminationGracePeriodSeconds: 60,
  };
}
