import type { GpuSelection } from '../plan/types.js';
import type { GpuRequest } from './types.js';

/** Maps a Plan's GPU selection to a device request (NVIDIA device ids are the driver's indexes). */
export function gpuRequestFor(gpus: GpuSelection): GpuRequest {
  if (gpus === 'all') return { kind: 'all' };
  if (gpus.length === 0) return { kind: 'none' };
  return { kind: 'devices', deviceIds: gpus.map(String) };
}

export function gpuCount(request: GpuRequest, available: number): number {
  if (request.kind === 'none') return 0;
  if (request.kind === 'all') return available;
  return request.deviceIds.length;
}
