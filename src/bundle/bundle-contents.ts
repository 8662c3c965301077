import { basename, dirname } from 'node:path';
import { specFor } from '../engines/registry.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import { isSha256 } from '../store/store-layout.js';

/** What a Plan needs on a machine with no network, decided from the Plan alone (pure). */
export interface BundleContents {
  /** Engine images (as the adapters name them), then the gateway's, then the monitoring images. */
  images: { ref: string; required: boolean; why: string }[];
  /** Store blobs the Plan's engines load, by sha256. */
  models: { engine: string; sha256: string }[];
  /** Engines whose model is not a blob of this store (it cannot be carried with its checksum). */
  notInStore: { engine: string; path: string }[];
  /** The Plan asks for GPUs: the NVIDIA driver and Container Toolkit are needed. */
  gpus: boolean;
}

/**
 * The images, models and host parts of a Plan. `realModelPath` resolves a model path (links followed) so a path
 * that leads into the store's blob directory is recognised as that blob.
 */
export function bundleContents(
  plan: Plan,
  input: { blobsDir: string; gatewayImage: string; realModelPath: (path: string) => string },
): BundleContents {
  const images: BundleContents['images'] = [];
  const add = (ref: string, required: boolean, why: string) => {
    if (!images.some((i) => i.ref === ref)) images.push({ ref, required, why });
  };
  const models: BundleContents['models'] = [];
  const notInStore: BundleContents['notInStore'] = [];
  let gpus = false;
  for (const entry of plan.engines) {
    if (!isContainerEntry(entry)) continue;
    const spec = specFor(entry, { deployment: plan.deployment, modelIdentity: '' });
    add(spec.image, true, `engine ${entry.name}`);
    if (spec.gpus.kind !== 'none') gpus = true;
    const real = input.realModelPath(entry.model);
    const sha = basename(real);
    if (dirname(real) === input.blobsDir && isSha256(sha)) models.push({ engine: entry.name, sha256: sha });
    else notInStore.push({ engine: entry.name, path: entry.model });
  }
  if (plan.gateway?.enabled) add(input.gatewayImage, true, 'gateway');
  const monitoring = plan.monitoring;
  if (monitoring?.enabled) {
    add(monitoring.images.prometheus, true, 'monitoring: Prometheus');
    add(monitoring.images.nodeExporter, false, 'monitoring: node exporter');
    add(monitoring.images.grafana, false, 'monitoring: Grafana');
    if (gpus) add(monitoring.images.dcgmExporter, false, 'monitoring: DCGM exporter');
  }
  return { images, models, notInStore, gpus };
}

/** A file name for an image reference inside the bundle (`ops/gateway:0.1.0` → `ops_gateway_0.1.0.tar`). */
export function imagePartName(ref: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`;
}
