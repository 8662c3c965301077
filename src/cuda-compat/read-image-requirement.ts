import type Docker from 'dockerode';
import { type ImageRequirement, tableRequirement } from './check-image-cuda.js';

/**
 * An image's CUDA requirement as its config declares it (`NVIDIA_REQUIRE_CUDA` in Config.Env, read through the
 * Docker API), falling back to ops's table when the image is not on this machine. `NVIDIA_DISABLE_REQUIRE` set to
 * anything true-ish turns the toolkit's check off, so ops does not check either.
 */
export async function readImageRequirement(docker: Docker, image: string): Promise<ImageRequirement> {
  let env: string[];
  try {
    env = (await docker.getImage(image).inspect()).Config?.Env ?? [];
  } catch {
    return tableRequirement(image);
  }
  const value = (name: string) => env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
  const disabled = value('NVIDIA_DISABLE_REQUIRE');
  if (disabled && !/^(0|false|no)?$/i.test(disabled)) return { image, requireCuda: null, source: 'disabled' };
  const require = value('NVIDIA_REQUIRE_CUDA');
  return { image, requireCuda: require?.trim() || null, source: 'image' };
}
