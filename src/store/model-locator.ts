import { existsSync, readFileSync } from 'node:fs';
import { OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { ensureSmokeModel } from '../models/smoke-model.js';
import { parseManifest } from './manifest.js';
import {
  type LocateResult,
  locateModel,
  type ModelLocation,
  parseModelLocation,
  smokeBasePath,
} from './model-location.js';
import { materializeView } from './model-views.js';
import { pullModel } from './pull-model.js';
import { quantizeModel } from './quantize-job.js';
import { blobPath, type StoreLayout, storeLayout } from './store-layout.js';

/** Resolves a Plan's `model` value to the file an engine loads; what the deployer and the host check use. */
export interface ModelLocator {
  /** Where the model is, or why it is not there and what to type to get it. */
  locate(model: string, planDir?: string): LocateResult;
  /** The file path; throws an OpsError naming the model and the command that fetches it. */
  path(model: string, planDir?: string): string;
}

/**
 * The one model locator: the planner writes a location (model-location.ts), `ops models pull` fills the store, and
 * `up`, setup, upgrade, rollback and the store's reference counting resolve the location here.
 */
export class StoreModelLocator implements ModelLocator {
  readonly layout: StoreLayout;

  constructor(readonly state: Pick<StateDir, 'modelsDir' | 'planFile' | 'previousPlanFile'>) {
    this.layout = storeLayout(state);
  }

  locate(model: string, planDir = ''): LocateResult {
    return locateModel(parseModelLocation(model), {
      planDir,
      modelsDir: this.state.modelsDir,
      manifest: this.readManifestSync(),
      blobPath: (sha) => blobPath(this.layout, sha),
      exists: existsSync,
    });
  }

  path(model: string, planDir = ''): string {
    const found = this.locate(model, planDir);
    if (found.found) {
      if (found.view) materializeView(found.view);
      return found.path;
    }
    throw new OpsError(found.reason, {
      hint: found.command
        ? `run: ${found.command}  (or ops up --pull to fetch what the Plan needs)`
        : 'fix the model path in the Plan',
      exitCode: 2,
    });
  }

  /**
   * Makes a location's file present: built-in smoke models are written and quantized (no network); hub files are
   * pulled only when `pull` is true (the user consented with --pull or setup's answers). Returns the path.
   */
  async ensure(model: string, options: { planDir?: string; pull: boolean; bus?: EventBus }): Promise<string> {
    const bus = options.bus ?? silentBus();
    const found = this.locate(model, options.planDir);
    if (found.found) return found.path;
    const location: ModelLocation = parseModelLocation(model);
    if (location.kind === 'builtin') {
      const base = smokeBasePath(this.state.modelsDir, location.size);
      await ensureSmokeModel({ out: base, size: location.size, seed: 1, bus });
      const id = `ops-smoke-${location.size}`;
      if (this.locate(model).found) return this.path(model);
      await pullModel(this.layout, { reference: base, id, bus });
      await quantizeModel(this.layout, { selector: id, to: location.quant, bus });
      return this.path(model);
    }
    if (location.kind === 'hub' && options.pull) {
      await pullModel(this.layout, {
        reference: location.file ? `${location.repo}:${location.file}` : location.repo,
        ...(location.quant ? { quant: location.quant } : {}),
        bus,
      });
      return this.path(model, options.planDir);
    }
    return this.path(model, options.planDir);
  }

  private readManifestSync() {
    let text: string;
    try {
      text = readFileSync(this.layout.manifestFile, 'utf8');
    } catch {
      return [];
    }
    return parseManifest(text, this.layout.manifestFile).entries;
  }
}
