import type Docker from 'dockerode';
import type { JobSpec } from './container-runtime.js';

/**
 * Translates a JobSpec into the Docker Engine API's create body (pure). Everything that confines the job is here
 * in one place: no capabilities, no privilege gain, read-only root, sized tmpfs, memory without swap, CPU and pids
 * caps, a bounded log (Docker Engine API, ContainerCreate → HostConfig).
 */
export function toDockerJobOptions(spec: JobSpec): Docker.ContainerCreateOptions {
  const tmpfs = Object.fromEntries(
    // Docker copies the mode of the image's directory onto a tmpfs (1777 in containers/sandbox), overriding a
    // mode option, so none is given. noexec: interpreters only read scripts, nothing dropped there can be run.
    Object.entries(spec.tmpfs).map(([target, bytes]) => [target, `rw,nosuid,nodev,noexec,size=${bytes}`]),
  );
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Cmd: spec.cmd,
    User: spec.user,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    NetworkDisabled: spec.network === 'none',
    HostConfig: {
      NetworkMode: spec.network,
      ReadonlyRootfs: spec.readOnlyRoot,
      Tmpfs: tmpfs,
      Mounts: spec.mounts.map((m) => ({
        Type: 'bind',
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      Memory: spec.limits.memoryBytes,
      // Equal to Memory: no swap, so a memory hog is killed rather than slowing the host.
      MemorySwap: spec.limits.memoryBytes,
      NanoCpus: spec.limits.nanoCpus,
      PidsLimit: spec.limits.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      // Open files are capped too, so a descriptor leak fails the job rather than the daemon's limits.
      Ulimits: [{ Name: 'nofile', Soft: 256, Hard: 256 }],
      LogConfig: { Type: 'json-file', Config: { 'max-size': String(spec.maxLogBytes), 'max-file': '1' } },
      Init: true,
      AutoRemove: false,
    },
  };
}
