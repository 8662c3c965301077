import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  DEFAULT_LLAMA_CPP_TAG,
  debianArch,
  engineImageLabels,
  IMAGE_LABEL,
  llamaCppRecipe,
  splitReference,
} from '../../src/images/image-recipe.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template.
const DOCKERFILE = 'ARG ROOTFS\nFROM ${ROOTFS}\nENTRYPOINT ["llama-server"]\n';
const base = { dockerfile: DOCKERFILE, arch: 'amd64' };

describe('llamaCppRecipe', () => {
  it('defaults to sid, ops/llama.cpp:cpu and the llama.cpp-tools/curl/ca-certificates packages', () => {
    const recipe = llamaCppRecipe(base);
    assert.equal(recipe.suite, 'sid');
    assert.equal(recipe.tag, DEFAULT_LLAMA_CPP_TAG);
    assert.equal(recipe.rootfsTag, 'ops/llama.cpp:cpu-rootfs');
    assert.deepEqual(recipe.packages, ['ca-certificates', 'curl', 'llama.cpp-tools']);
    assert.match(recipe.inputsHash, /^[0-9a-f]{64}$/);
  });

  it('gives the same hash for the same inputs, whatever the package order or the tag', () => {
    const a = llamaCppRecipe({ ...base, packages: ['curl', 'llama.cpp-tools', 'ca-certificates'] });
    const b = llamaCppRecipe({
      ...base,
      packages: ['ca-certificates', 'llama.cpp-tools', 'curl', 'curl'],
      tag: 'x/y:z',
    });
    assert.equal(a.inputsHash, b.inputsHash);
    assert.equal(a.rootfsHash, b.rootfsHash);
  });

  it('changes the hash when the packages, suite, arch or Dockerfile change', () => {
    const reference = llamaCppRecipe(base);
    const variants = [
      llamaCppRecipe({ ...base, packages: ['llama.cpp-tools', 'curl'] }),
      llamaCppRecipe({ ...base, suite: 'trixie' }),
      llamaCppRecipe({ ...base, arch: 'arm64' }),
      llamaCppRecipe({ ...base, dockerfile: `${DOCKERFILE}USER llama\n` }),
    ];
    for (const variant of variants) assert.notEqual(variant.inputsHash, reference.inputsHash);
  });

  it('keeps the root hash when only the Dockerfile changes, so the bootstrap can be reused', () => {
    const a = llamaCppRecipe(base);
    const b = llamaCppRecipe({ ...base, dockerfile: `${DOCKERFILE}EXPOSE 9000\n` });
    assert.equal(a.rootfsHash, b.rootfsHash);
    assert.notEqual(a.inputsHash, b.inputsHash);
  });

  it('does not depend on the mirror: OPS_APT_MIRROR is not an input', () => {
    const before = llamaCppRecipe(base).inputsHash;
    const saved = process.env.OPS_APT_MIRROR;
    process.env.OPS_APT_MIRROR = 'http://other-mirror.example/debian';
    try {
      assert.equal(llamaCppRecipe(base).inputsHash, before);
    } finally {
      if (saved === undefined) delete process.env.OPS_APT_MIRROR;
      else process.env.OPS_APT_MIRROR = saved;
    }
  });

  it('any change to the package set changes the hash (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), name, (packages, extra) => {
        fc.pre(!packages.includes(extra));
        const a = llamaCppRecipe({ ...base, packages });
        const b = llamaCppRecipe({ ...base, packages: [...packages, extra] });
        return a.inputsHash !== b.inputsHash;
      }),
    );
  });

  it('reports every invalid field at once', () => {
    assert.throws(
      () =>
        llamaCppRecipe({
          dockerfile: 'ENTRYPOINT ["x"]',
          arch: 'amd64',
          tag: 'Ops/Llama',
          suite: 'Sid!',
          packages: ['Bad_Name'],
        }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.problems.map((p) => p.path).sort(), [
          'dockerfile',
          'packages',
          'suite',
          'tag',
        ]);
        return true;
      },
    );
  });
});

describe('engineImageLabels', () => {
  it('marks the image as ops-managed with its recipe and inputs hash', () => {
    const recipe = llamaCppRecipe(base);
    const labels = engineImageLabels(recipe, new Date('2026-01-02T03:04:05Z'));
    assert.equal(labels[IMAGE_LABEL.managed], 'true');
    assert.equal(labels['ops.image.inputs-hash'], recipe.inputsHash);
    assert.equal(labels['ops.image.recipe'], 'llama.cpp-debian');
    assert.equal(labels['org.opencontainers.image.created'], '2026-01-02T03:04:05.000Z');
  });
});

describe('debianArch and splitReference', () => {
  it('maps Node arch names to Debian ones and rejects unknown ones', () => {
    assert.equal(debianArch('x64'), 'amd64');
    assert.equal(debianArch('arm64'), 'arm64');
    assert.throws(() => debianArch('mips'), ValidationError);
  });

  it('splits repo and tag, keeping a registry port in the repo', () => {
    assert.deepEqual(splitReference('ops/llama.cpp:cpu-rootfs'), {
      repo: 'ops/llama.cpp',
      tag: 'cpu-rootfs',
    });
    assert.deepEqual(splitReference('registry.example:5000/ops/x'), {
      repo: 'registry.example:5000/ops/x',
      tag: 'latest',
    });
  });
});
