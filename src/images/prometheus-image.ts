import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MONITORING_IMAGES } from '../monitoring/default-images.js';
import { createRecipe, DEFAULT_SUITE, debianArch, type ImageRecipe } from './image-recipe.js';

const CONTAINERS = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'containers', 'prometheus');

export const PROMETHEUS_RECIPE = 'prometheus-debian';
export const NODE_EXPORTER_RECIPE = 'node-exporter-debian';
export const PROMETHEUS_DOCKERFILE = join(CONTAINERS, 'Dockerfile');
export const NODE_EXPORTER_DOCKERFILE = join(CONTAINERS, 'node-exporter.Dockerfile');
/** promtool is a dependency of prometheus in sid (bookworm ships it inside); curl serves the health check. */
export const PROMETHEUS_PACKAGES = ['prometheus', 'curl'];
export const NODE_EXPORTER_PACKAGES = ['prometheus-node-exporter', 'curl'];

/** The Prometheus image recipe: Debian's package, no registry (sid carries the 3.x LTS line). */
export function loadPrometheusRecipe(input: { tag?: string; suite?: string } = {}): ImageRecipe {
  return createRecipe({
    recipe: PROMETHEUS_RECIPE,
    tag: input.tag ?? DEFAULT_MONITORING_IMAGES.prometheus,
    suite: input.suite ?? DEFAULT_SUITE,
    arch: debianArch(),
    packages: PROMETHEUS_PACKAGES,
    dockerfile: readFileSync(PROMETHEUS_DOCKERFILE, 'utf8'),
  });
}

/** The node exporter image recipe: its own small image, so each image's entrypoint is its one program. */
export function loadNodeExporterRecipe(input: { tag?: string; suite?: string } = {}): ImageRecipe {
  return createRecipe({
    recipe: NODE_EXPORTER_RECIPE,
    tag: input.tag ?? DEFAULT_MONITORING_IMAGES.nodeExporter,
    suite: input.suite ?? DEFAULT_SUITE,
    arch: debianArch(),
    packages: NODE_EXPORTER_PACKAGES,
    dockerfile: readFileSync(NODE_EXPORTER_DOCKERFILE, 'utf8'),
  });
}
