import { basename, dirname } from 'node:path';
import { specFor } from '../engines/registry.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import { isModelReference, type LocateResult } from '../store/model-location.js';
import { isSha256 } from '../store/store-layout.js';

/** What a Plan needs on a machine with no network, decided from the Plan alone (pure). */
export interface BundleContents {
  /** Engine images (as the adapters name them), then the gateway's, then the monitoring images. */
  images: { ref: string; required: boolean; why: string }[];
  /** Store blobs each engine loads (every shard of a split model). */
  models: { engine: string; blobs: string[] }[];
  /**
   * Engines whose `model` is a path to a blob: on the target it must name the same blob in that store. Store
   * references (`hf:…`) need no change: the imported manifest entries resolve them there.
   */
  repoint: { engine: string; sha256: string }[];
  /** Engines whose model is not in this store (it cannot be carried with its checksum), and why. */
  notInStore: { engine: string; model: string; reason: string }[];
  /** The Plan asks for GPUs: the NVIDIA driver and Container Toolkit are needed. */
  gpus: boolean;
}

/**
 * The images, models and host parts of a Plan. `locate` is the store's model locator (what `up` resolves a
 * `model` with); `realPath` follows links, so a path that leads into the blob directory is recognised as that blob.
 */
export function bundleContents(
  plan: Plan,
  input: {
    blobsDir: string;
    gatewayImage: string;
    /** The agent's image, carried where the Plan has monitoring (without it the agent runs as a host process). */
    agentImage?: string;
    locate: (model: string) => LocateResult;
    realPath: (path: string) => string;
  },
): BundleContents {
  const images: BundleContents['images'] = [];
  const add = (ref: string, required: boolean, why: string) => {
    if (!images.some((i) => i.ref === ref)) images.push({ ref, required, why });
  };
  const models: BundleContents['models'] = [];
  const repoint: BundleContents['repoint'] = [];
  const notInStore: BundleContents['notInStore'] = [];
  const blobOf = (path: string) => {
    const real = input.realPath(path);
    return dirname(real) === input.blobsDir && isSha256(basename(real)) ? basename(real) : undefined;
  };
  let gpus = false;
  for (const entry of plan.engines) {
    if (!isContainerEntry(entry)) continue;
    const spec = specFor(entry, { deployment: plan.deployment, modelIdentity: '' });
    add(spec.image, true, `engine ${entry.name}`);
    if (spec.gpus.kind !== 'none') gpus = true;
    const found = input.locate(entry.model);
    if (!found.found) {
      notInStore.push({ engine: entry.name, model: entry.model, reason: found.reason });
      continue;
    }
    const blobs = (found.view ? found.view.files.map((f) => f.blob) : [found.path]).map(blobOf);
    if (blobs.some((b) => b === undefined)) {
      notInStore.push({
        engine: entry.name,
        model: entry.model,
        reason: `${found.path} is not a file of the model store`,
      });
      continue;
    }
    models.push({ engine: entry.name, blobs: blobs as string[] });
    if (!isModelReference(entry.model)) repoint.push({ engine: entry.name, sha256: blobs[0]! });
  }
  if (plan.gateway?.enabled) add(input.gatewayImage, true, 'gateway');
  const monitoring = plan.monitoring;
  if (monitoring?.enabled) {
    add(monitoring.images.prometheus, true, 'monitoring: Prometheus');
    add(monitoring.images.nodeExporter, false, 'monitoring: node exporter');
    add(monitoring.images.grafana, false, 'monitoring: Grafana');
    if (gpus) add(monitoring.images.dcgmExporter, false, 'monitoring: DCGM exporter');
    if (input.agentImage)
      add(input.agentImage, false, 'the ops agent (restarted with Docker after a reboot)');
  }
  return { images, models, repoint, notInStore, gpus };
}

/** A file name for an image reference inside the bundle (`ops/gateway:0.1.0` → `ops_gateway_0.1.0.tar`). */
export function imagePartName(ref: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`;
}
