import { OpsError } from '../core/errors.js';
import type { ContainerEntry } from '../plan/types.js';
import { llamaCppAdapter } from './llama-cpp-adapter.js';
import type { ContainerSpec, EngineAdapter, SpecContext } from './types.js';
import { vllmAdapter } from './vllm-adapter.js';

/** The engine adapters by kind. TGI is in maintenance upstream and has no adapter yet. */
export const engineAdapters = {
  'llama.cpp': llamaCppAdapter,
  vllm: vllmAdapter,
} as const;

export function adapterFor(entry: ContainerEntry): EngineAdapter {
  const adapter = engineAdapters[entry.engine];
  if (!adapter) throw new OpsError(`no adapter for engine ${JSON.stringify(entry.engine)}`);
  return adapter as EngineAdapter;
}

/** The container spec for a Plan entry, through its engine's adapter. */
export function specFor(entry: ContainerEntry, ctx: SpecContext): ContainerSpec {
  return adapterFor(entry).containerSpec(entry, ctx);
}
