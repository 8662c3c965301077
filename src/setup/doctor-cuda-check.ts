import { lookupGpu } from '../detect/gpu-catalog.js';
import { readPlan } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import { isContainerEntry } from '../plan/types.js';
import type { DoctorContext } from './doctor-check-list.js';
import type { DoctorCheck } from './doctor-checks.js';
import { driverUnderTest, engineCudaFits, gpuEngineImage } from './engine-cuda-fit.js';
import { gpuCount } from './host-facts.js';

/**
 * Each GPU engine image of the current Plan against the installed driver: the requirement read from the image
 * (NVIDIA_REQUIRE_CUDA) when Docker has it, else ops's table for the default images.
 */
export async function engineCudaCheck(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const id = 'engine-cuda';
  if (gpuCount(ctx.facts) === 0) return [{ id, status: 'skip', detail: 'no NVIDIA GPU (cpu-only)', fix: '' }];
  if (!ctx.facts.driverVersion)
    return [{ id, status: 'skip', detail: 'no driver answers (see nvidia-driver, kernel-module)', fix: '' }];
  const file = planFileToUse(ctx.state, undefined);
  if (!file) return [{ id, status: 'skip', detail: 'no current Plan', fix: '' }];
  let images: string[];
  try {
    const plan = readPlan(file).plan;
    images = plan.engines
      .filter(isContainerEntry)
      .map(gpuEngineImage)
      .filter((i): i is string => i !== null);
  } catch {
    return [{ id, status: 'skip', detail: 'the Plan does not load (see the plan check)', fix: '' }];
  }
  if (images.length === 0)
    return [{ id, status: 'skip', detail: 'no engine of the Plan uses a GPU', fix: '' }];
  const gpus = ctx.facts.gpus.map((g) => ({ ...g, gpuClass: lookupGpu(g.name).gpuClass }));
  const fits = await engineCudaFits({
    images,
    driver: driverUnderTest(ctx.facts, ctx.options, 'installed'),
    gpus,
    ...(ctx.runtime ? { runtime: ctx.runtime } : {}),
  });
  return fits.map((f) => ({
    id: `${id} ${f.image}`,
    status: f.status === 'ok' ? 'ok' : f.status === 'fail' ? 'fail' : 'warn',
    detail: f.detail,
    fix: f.fix,
  }));
}
