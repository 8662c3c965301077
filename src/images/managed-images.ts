import type Docker from 'dockerode';
import { IMAGE_LABEL } from './image-recipe.js';

/** An image ops built, as `ops images list` shows it. */
export interface ManagedImage {
  id: string;
  /** `repo:tag` names; empty when the image is dangling (replaced by a newer build but still in use). */
  tags: string[];
  /** `engine` or `rootfs`. */
  kind: string;
  recipe: string;
  /** `ops.image.inputs-hash`; absent on root images, which carry only a root hash. */
  inputsHash: string | undefined;
  sizeBytes: number;
  createdAt: string;
}

/** Lists the images labelled `ops.managed=true`, newest first. */
export async function listManagedImages(docker: Docker): Promise<ManagedImage[]> {
  const images = await docker.listImages({ filters: { label: [`${IMAGE_LABEL.managed}=true`] } });
  return images
    .map((image) => {
      const labels = image.Labels ?? {};
      return {
        id: image.Id,
        tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        kind: labels[IMAGE_LABEL.kind] ?? 'unknown',
        recipe: labels[IMAGE_LABEL.recipe] ?? 'unknown',
        inputsHash: labels[IMAGE_LABEL.inputsHash],
        sizeBytes: image.Size,
        createdAt: new Date(image.Created * 1000).toISOString(),
      };
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
