import { createHash } from 'node:crypto';
import { ValidationError, type ValidationProblem } from '../core/errors.js';
import { LABEL } from '../core/labels.js';

/**
 * What an engine image is made of, decided before any work: a Debian root (suite, arch, packages) and a small
 * Dockerfile layered on it. Two hashes name the content so a build can be skipped: `rootfsHash` for the imported
 * root alone, `inputsHash` for the finished image. Neither covers the mirror (the same packages come from any
 * mirror) nor the tag (a name, not content).
 */
export interface ImageRecipe {
  /** Recipe name, also the `ops.image.recipe` label. */
  recipe: string;
  /** Final image reference, e.g. `ops/llama.cpp:cpu`. */
  tag: string;
  /** The imported debootstrap root, tagged `<tag>-rootfs`. */
  rootfsTag: string;
  suite: string;
  /** Debian architecture name (amd64, arm64…), as debootstrap's `--arch` takes it. */
  arch: string;
  /** Sorted, de-duplicated package names passed to debootstrap `--include`. */
  packages: string[];
  dockerfile: string;
  /** Extra files for the Dockerfile's build context (name → content), e.g. the bundled gateway. Hashed. */
  contextFiles?: Record<string, string | Uint8Array>;
  rootfsHash: string;
  inputsHash: string;
}

export const IMAGE_LABEL = {
  managed: LABEL.managed,
  recipe: 'ops.image.recipe',
  inputsHash: 'ops.image.inputs-hash',
  rootfsHash: 'ops.image.rootfs-hash',
  /** `engine` for a finished image, `rootfs` for the imported root it is built on. */
  kind: 'ops.image.kind',
} as const;

export const LLAMA_CPP_RECIPE = 'llama.cpp-debian';
export const DEFAULT_LLAMA_CPP_TAG = 'ops/llama.cpp:cpu';
/** sid carries the newest llama.cpp-tools; stable releases may have none. */
export const DEFAULT_SUITE = 'sid';
/** llama.cpp-tools gives llama-server/-quantize/-bench; curl serves container health checks; CA certs for HTTPS. */
export const LLAMA_CPP_PACKAGES = ['llama.cpp-tools', 'curl', 'ca-certificates'];
/** Bumped whenever the build procedure changes what ends up in the image (variant, cleanup, import options). */
const BUILD_PROCEDURE_VERSION = 1;

// Node's process.arch → Debian's architecture names (https://wiki.debian.org/SupportedArchitectures).
const DEBIAN_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'armhf',
  ia32: 'i386',
  ppc64: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** Debian's architecture name for a Node `process.arch` value. */
export function debianArch(nodeArch: string = process.arch): string {
  const arch = DEBIAN_ARCH[nodeArch];
  if (!arch)
    throw new ValidationError('architecture', [{ path: 'arch', message: `no Debian port for ${nodeArch}` }]);
  return arch;
}

export interface LlamaCppRecipeInput {
  dockerfile: string;
  suite?: string;
  tag?: string;
  arch?: string;
  packages?: string[];
}

/** The llama.cpp CPU engine recipe, with defaults (sid, `ops/llama.cpp:cpu`, this machine's arch). */
export function llamaCppRecipe(input: LlamaCppRecipeInput): ImageRecipe {
  return createRecipe({
    recipe: LLAMA_CPP_RECIPE,
    tag: input.tag ?? DEFAULT_LLAMA_CPP_TAG,
    suite: input.suite ?? DEFAULT_SUITE,
    arch: input.arch ?? debianArch(),
    packages: input.packages ?? LLAMA_CPP_PACKAGES,
    dockerfile: input.dockerfile,
  });
}

/** Checks the inputs and computes both hashes; every invalid field is reported at once. */
export function createRecipe(
  input: Omit<ImageRecipe, 'rootfsTag' | 'rootfsHash' | 'inputsHash'>,
): ImageRecipe {
  const problems: ValidationProblem[] = [];
  // Docker reference grammar, simplified: lowercase path components, optional :tag (distribution/reference).
  if (
    !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*:[\w][\w.-]{0,127}$/.test(input.tag)
  ) {
    problems.push({ path: 'tag', message: `not a repository:tag reference: ${input.tag}` });
  } else if (input.tag.slice(input.tag.lastIndexOf(':') + 1).length + '-rootfs'.length > 128) {
    problems.push({
      path: 'tag',
      message: 'tag too long to name its root image <tag>-rootfs (Docker allows 128)',
    });
  }
  if (!/^[a-z][a-z0-9.-]*$/.test(input.suite))
    problems.push({ path: 'suite', message: `not a suite name: ${input.suite}` });
  if (!/^[a-z0-9]+$/.test(input.arch))
    problems.push({ path: 'arch', message: `not a Debian architecture: ${input.arch}` });
  const packages = [...new Set(input.packages.map((p) => p.trim()))].sort();
  // Debian policy §5.6.7: lowercase letters, digits, + - . ; at least two characters, starting alphanumeric.
  for (const name of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name))
      problems.push({ path: 'packages', message: `not a package name: ${name}` });
  }
  if (packages.length === 0) problems.push({ path: 'packages', message: 'at least one package is needed' });
  for (const name of Object.keys(input.contextFiles ?? {})) {
    if (!/^[\w.-]+$/.test(name) || name === 'Dockerfile')
      problems.push({
        path: `contextFiles.${name}`,
        message: 'must be a plain file name other than Dockerfile',
      });
  }
  if (!/^\s*FROM\s/im.test(input.dockerfile)) {
    problems.push({ path: 'dockerfile', message: 'no FROM instruction' });
  }
  if (problems.length > 0) throw new ValidationError(`image recipe ${input.recipe}`, problems);

  const rootfs = {
    procedure: BUILD_PROCEDURE_VERSION,
    variant: 'minbase',
    suite: input.suite,
    arch: input.arch,
    packages,
  };
  const rootfsHash = sha256(canonicalJson(rootfs));
  const contextHashes = Object.fromEntries(
    Object.entries(input.contextFiles ?? {}).map(([name, content]) => [name, sha256(content)]),
  );
  const inputsHash = sha256(
    canonicalJson({ recipe: input.recipe, rootfsHash, dockerfile: input.dockerfile, context: contextHashes }),
  );
  return { ...input, packages, rootfsTag: `${input.tag}-rootfs`, rootfsHash, inputsHash };
}

/** Labels of the finished image: ownership, recipe, content hash, and the OCI basics. */
export function engineImageLabels(recipe: ImageRecipe, createdAt: Date = new Date()): Record<string, string> {
  return {
    [IMAGE_LABEL.managed]: 'true',
    [IMAGE_LABEL.kind]: 'engine',
    [IMAGE_LABEL.recipe]: recipe.recipe,
    [IMAGE_LABEL.inputsHash]: recipe.inputsHash,
    [IMAGE_LABEL.rootfsHash]: recipe.rootfsHash,
    // https://github.com/opencontainers/image-spec/blob/main/annotations.md
    'org.opencontainers.image.created': createdAt.toISOString(),
    'org.opencontainers.image.ref.name': recipe.tag,
    'org.opencontainers.image.description': `${recipe.recipe}: Debian ${recipe.suite} (${recipe.arch}) with ${recipe.packages.join(', ')}`,
    'org.opencontainers.image.vendor': 'ops',
  };
}

/** Labels of the imported root, so it can be reused when only the Dockerfile changed. */
export function rootfsImageLabels(recipe: ImageRecipe): Record<string, string> {
  return {
    [IMAGE_LABEL.managed]: 'true',
    [IMAGE_LABEL.kind]: 'rootfs',
    [IMAGE_LABEL.recipe]: recipe.recipe,
    [IMAGE_LABEL.rootfsHash]: recipe.rootfsHash,
  };
}

/** Splits `repo/name:tag` into the repo and tag parts Docker's tag and import APIs take. */
export function splitReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/')
    ? { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) }
    : { repo: reference, tag: 'latest' };
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
