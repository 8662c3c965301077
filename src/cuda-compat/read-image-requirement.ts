import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { type ImageRequirement, tableRequirement } from './check-image-cuda.js';

/**
 * An image's CUDA requirement as its config declares it (`NVIDIA_REQUIRE_CUDA` in Config.Env, read through the
 * container runtime), falling back to ops's table when the image is not on this machine. `NVIDIA_DISABLE_REQUIRE` set to
 * anything true-ish turns the toolkit's check off, so ops does not check either.
 */
export async function readImageRequirement(
  runtime: Pick<ContainerRuntime, 'imageEnv'>,
  image: string,
): Promise<ImageRequirement> {
  const env = await runtime.imageEnv(image).catch(() => undefined);
  if (!env) return tableRequirement(image);
  const value = (name: string) => env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
  const disabled = value('NVIDIA_DISABLE_REQUIRE');
  if (disabled && !/^(0|false|no)?$/i.test(disabled)) return { image, requireCuda: null, source: 'disabled' };
  const require = value('NVIDIA_REQUIRE_CUDA');
  return { image, requireCuda: require?.trim() || null, source: 'image' };
}
