/** The image a private registry serves for `image`: the registry host (if any) is swapped for `registry`. */
export function mirroredImage(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const parts = image.split('/');
  const first = parts[0] ?? '';
  // Docker's rule: the first component is a registry host when it has a dot or a port, or is localhost.
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasHost ? parts.slice(1).join('/') : image;
  return `${registry.replace(/\/+$/, '')}/${path}`;
}

/** Picks an image: the explicit override, else the Plan's (or the default) moved to the private registry. */
export function resolveImage(
  planImage: string,
  override: string | undefined,
  registry: string | undefined,
): string {
  return override ?? mirroredImage(planImage, registry);
}
