import { join } from 'node:path';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { ensureSmokeModel, SMOKE_PRESETS, type SmokeSize } from '../models/smoke-model.js';
import { entryName } from '../planner/to-plan-document.js';
import type { PlannedModel } from '../planner/types.js';
import { pullModel } from '../store/pull-model.js';
import { quantizeModel } from '../store/quantize-job.js';
import { blobPath, storeLayout } from '../store/store-layout.js';

const SMOKE_PREFIX = 'ops-smoke-';

/**
 * Makes every planned model available; returns the model path per Plan entry name. Built-in smoke models are
 * written at the path `ops plan` uses (same seed, so the same bytes); a smoke quantization other than the written
 * type, and hub models, go through the model store (pull, then llama-quantize in the engine image) and run from
 * their store blob. Each step reuses what is already there.
 */
export async function fetchPlannedModels(
  state: StateDir,
  entries: readonly PlannedModel[],
  bus: EventBus,
): Promise<Record<string, string>> {
  const layout = storeLayout(state);
  const paths: Record<string, string> = {};
  for (const entry of entries) {
    const name = entryName(entry);
    if (entry.modelId.startsWith(SMOKE_PREFIX)) {
      const size = entry.modelId.slice(SMOKE_PREFIX.length) as SmokeSize;
      const base = join(state.modelsDir, `smoke-${size}.gguf`);
      await ensureSmokeModel({ out: base, size, seed: 1, bus });
      if (entry.quant === SMOKE_PRESETS[size].weightType) {
        paths[name] = base;
        continue;
      }
      await pullModel(layout, { reference: base, id: entry.modelId, bus });
      const quantized = await quantizeModel(layout, { selector: entry.modelId, to: entry.quant, bus });
      paths[name] = quantized.path;
      continue;
    }
    if (entry.source.kind !== 'hf') continue;
    const reference = entry.file ? `${entry.source.repo}:${entry.file}` : entry.source.repo;
    const pulled = await pullModel(layout, {
      reference,
      bus,
      ...(entry.file ? {} : { quant: entry.quant }),
    });
    const file = pulled.entries.find((e) => e.file.endsWith('.gguf')) ?? pulled.entries[0];
    if (file) paths[name] = blobPath(layout, file.sha256);
  }
  return paths;
}
