import { basename, dirname } from 'node:path';
import type { MountSpec } from './types.js';

/** Where model files appear inside engine containers. */
export const MODEL_MOUNT_DIR = '/models';

/**
 * The model's directory is mounted read-only (engines never write to the store); returns the mount and the
 * path of the model inside the container.
 */
export function modelMount(
  hostPath: string,
  isDirectory = false,
): { mount: MountSpec; containerPath: string } {
  if (isDirectory) {
    return {
      mount: { source: hostPath, target: `${MODEL_MOUNT_DIR}/${basename(hostPath)}`, readOnly: true },
      containerPath: `${MODEL_MOUNT_DIR}/${basename(hostPath)}`,
    };
  }
  return {
    mount: { source: dirname(hostPath), target: MODEL_MOUNT_DIR, readOnly: true },
    containerPath: `${MODEL_MOUNT_DIR}/${basename(hostPath)}`,
  };
}
