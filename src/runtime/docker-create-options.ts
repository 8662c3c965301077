import type Docker from 'dockerode';
import { LABEL } from '../core/labels.js';
import type { ContainerSpec } from '../engines/types.js';
import { type ContainerNetwork, networkSettings } from './container-network.js';

const NS_PER_S = 1_000_000_000;

/** Translates a runtime-neutral ContainerSpec into the Docker Engine API's create body (pure). */
export function toDockerCreateOptions(
  spec: ContainerSpec,
  hash: string,
  network: ContainerNetwork = {},
): Docker.ContainerCreateOptions {
  const portKey = `${spec.port.container}/tcp`;
  const { NetworkMode, publish } = networkSettings(spec, network);
  const hostConfig: Docker.HostConfig = {
    Mounts: spec.mounts.map((m) => ({
      Type: 'bind',
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly,
    })),
    ...(NetworkMode ? { NetworkMode } : {}),
    ...(publish
      ? { PortBindings: { [portKey]: [{ HostIp: spec.port.hostIp, HostPort: String(spec.port.host) }] } }
      : {}),
    RestartPolicy:
      spec.restartPolicy === 'on-failure'
        ? { Name: 'on-failure', MaximumRetryCount: 3 }
        : { Name: spec.restartPolicy },
    Init: true,
  };
  if (spec.shmSizeBytes) hostConfig.ShmSize = spec.shmSizeBytes;
  if (spec.gpus.kind !== 'none') {
    // Same request as `docker run --gpus`: the NVIDIA Container Toolkit injects the devices and driver libraries.
    hostConfig.DeviceRequests = [
      spec.gpus.kind === 'all'
        ? { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }
        : { Driver: 'nvidia', DeviceIDs: spec.gpus.deviceIds, Capabilities: [['gpu']] },
    ];
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Cmd: spec.cmd,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels, [LABEL.configHash]: hash },
    ...(publish ? { ExposedPorts: { [portKey]: {} } } : {}),
    Healthcheck: {
      Test: spec.healthcheck.test,
      Interval: spec.healthcheck.intervalS * NS_PER_S,
      Timeout: spec.healthcheck.timeoutS * NS_PER_S,
      Retries: spec.healthcheck.retries,
      StartPeriod: spec.healthcheck.startPeriodS * NS_PER_S,
    },
    HostConfig: hostConfig,
  };
}
