import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { parsePrintUris } from '../../src/bundle/apt-repository.js';
import { bundleContents, imagePartName } from '../../src/bundle/bundle-contents.js';
import { type BoxManifest, boxSumsText, checkBoxManifest } from '../../src/bundle/bundle-manifest.js';
import { planForTarget } from '../../src/bundle/install-bundle.js';
import { targetSources, wantedPackages } from '../../src/bundle/target-packages.js';
import { parseDeb822Sources } from '../../src/images/apt-mirror.js';
import { validatePlan } from '../../src/plan/validate-plan.js';

const SHA = 'a'.repeat(64);
const BLOBS = '/var/ops/models/blobs/sha256';

function plan(doc: Record<string, unknown>) {
  const { plan, problems } = validatePlan({ version: 1, deployment: 'box', ...doc }, { planDir: '/plans' });
  assert.deepEqual(problems, []);
  return plan!;
}

describe('what a bundle carries for a Plan', () => {
  it('engine images as the adapters name them, the gateway, monitoring; models by blob; GPUs noticed', () => {
    const c = bundleContents(
      plan({
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            model: `${BLOBS}/${SHA}`,
            contextLength: 4096,
            port: 8001,
            gpus: [0],
          },
          {
            engine: 'llama.cpp',
            name: 'cpu',
            image: 'ops/llama.cpp:cpu',
            model: '/elsewhere/m.gguf',
            contextLength: 4096,
            port: 8002,
          },
          { engine: 'external', name: 'far', baseUrl: 'http://10.0.0.9:8000/v1', contextLength: 4096 },
        ],
        gateway: { port: 8080 },
        monitoring: {},
      }),
      {
        blobsDir: BLOBS,
        gatewayImage: 'ops/gateway:9.9.9',
        // The store's locator as it answers on a machine holding only the first model.
        locate: (model) =>
          model.startsWith(BLOBS)
            ? { found: true, path: model }
            : { found: false, reason: `model file not found: ${model}`, creatable: false },
        realPath: (p) => p,
      },
    );
    assert.deepEqual(
      c.images.map((i) => [i.ref, i.required]),
      [
        ['ghcr.io/ggml-org/llama.cpp:server-cuda', true],
        ['ops/llama.cpp:cpu', true],
        ['ops/gateway:9.9.9', true],
        ['ops/prometheus:debian', true],
        ['ops/node-exporter:debian', false],
        ['grafana/grafana-oss:12.2.1', false],
        ['nvcr.io/nvidia/k8s/dcgm-exporter:4.4.2-4.7.0-ubuntu22.04', false],
      ],
    );
    assert.deepEqual(c.models, [{ engine: 'coder', blobs: [SHA] }]);
    assert.deepEqual(c.repoint, [{ engine: 'coder', sha256: SHA }]);
    assert.deepEqual(c.notInStore, [
      { engine: 'cpu', model: '/elsewhere/m.gguf', reason: 'model file not found: /elsewhere/m.gguf' },
    ]);
    assert.equal(c.gpus, true);
    assert.equal(
      imagePartName('ghcr.io/ggml-org/llama.cpp:server-cuda'),
      'ghcr.io_ggml-org_llama.cpp_server-cuda.tar',
    );
  });

  it('a link into the store counts as the blob it points at; a store reference carries every shard as is', () => {
    const linked = bundleContents(
      plan({
        engines: [
          { engine: 'llama.cpp', name: 'a', model: '/models/a.gguf', contextLength: 4096, port: 8001 },
        ],
      }),
      {
        blobsDir: BLOBS,
        gatewayImage: 'g',
        locate: (model) => ({ found: true, path: model }),
        realPath: () => `${BLOBS}/${SHA}`,
      },
    );
    assert.deepEqual(linked.models, [{ engine: 'a', blobs: [SHA] }]);
    assert.equal(linked.gpus, false);
    const B = 'b'.repeat(64);
    const split = bundleContents(
      plan({
        engines: [
          { engine: 'llama.cpp', name: 'big', model: 'hf:org/big#Q4_K_M', contextLength: 4096, port: 8001 },
        ],
      }),
      {
        blobsDir: BLOBS,
        gatewayImage: 'g',
        locate: () => ({
          found: true,
          path: '/v/big-00001.gguf',
          view: {
            dir: '/v',
            files: [
              { path: 'big-00001.gguf', blob: `${BLOBS}/${SHA}` },
              { path: 'big-00002.gguf', blob: `${BLOBS}/${B}` },
            ],
          },
        }),
        realPath: (p) => p,
      },
    );
    assert.deepEqual(split.models, [{ engine: 'big', blobs: [SHA, B] }]);
    // The imported manifest entries resolve the reference on the target: the Plan keeps it.
    assert.deepEqual(split.repoint, []);
  });

  it('wants Docker always and NVIDIA parts only for GPUs', () => {
    assert.deepEqual(wantedPackages({ gpus: false }), { fromDistro: ['docker.io'], fromNvidia: [] });
    assert.ok(wantedPackages({ gpus: true }).fromNvidia.includes('nvidia-container-toolkit'));
  });
});

describe('package sources for the target release', () => {
  const sources = parseDeb822Sources(
    `Types: deb
URIs: http://mirror.internal/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.internal/debian-security
Suites: bookworm-security
Components: main
`,
    'debian.sources',
  );

  it("takes the machine's own entries for the target's suites, one suite per line", () => {
    assert.equal(
      targetSources('debian-12', sources),
      [
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.internal/debian bookworm main',
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.internal/debian bookworm-updates main',
        'deb http://mirror.internal/debian-security bookworm-security main',
        '',
      ].join('\n'),
    );
  });

  it('uses the Debian mirror for another Debian release, and has nothing for Ubuntu here', () => {
    const sid = parseDeb822Sources('Types: deb\nURIs: http://m/debian\nSuites: sid\nComponents: main\n');
    assert.equal(
      targetSources('debian-12', sid, 'http://m/debian'),
      'deb http://m/debian bookworm main\ndeb http://m/debian bookworm-updates main\n',
    );
    assert.equal(targetSources('ubuntu-24.04', sources, 'http://mirror.internal/debian'), undefined);
  });

  it('reads apt-get --print-uris', () => {
    const uris = parsePrintUris(
      "'http://m/debian/pool/main/d/docker.io/docker.io_20.10.24%2bdfsg1-1_amd64.deb' docker.io_20.10.24+dfsg1-1_amd64.deb 36256664 MD5Sum:a9a1\n" +
        "'http://m/debian/pool/main/t/tini/tini_0.19.0-1_amd64.deb' tini_0.19.0-1_amd64.deb 267204 SHA256:ab\nnoise\n",
    );
    assert.deepEqual(
      uris.map((u) => [u.name, u.bytes]),
      [
        ['docker.io', 36256664],
        ['tini', 267204],
      ],
    );
  });
});

describe('the box manifest', () => {
  const manifest: BoxManifest = {
    format: 'ops-box-bundle',
    version: 1,
    createdAt: '2026-12-01T00:00:00Z',
    distro: 'debian-12',
    arch: 'amd64',
    deployment: 'box',
    models: [{ engine: 'coder', sha256: SHA }],
    packages: ['docker.io'],
    missing: [],
    parts: [
      { path: 'parts/plan.yaml', kind: 'plan', bytes: 10, sha256: 'b'.repeat(64), what: 'box' },
      { path: 'parts/models.tar', kind: 'models', bytes: 20, sha256: 'c'.repeat(64), what: 'coder' },
      // apt's file name for a version with an epoch
      {
        path: 'parts/apt/dmsetup_2%3a1.02.185-2_amd64.deb',
        kind: 'deb',
        bytes: 5,
        sha256: 'e'.repeat(64),
        what: 'dmsetup',
      },
    ],
  };

  it('agrees with its SHA256SUMS', () => {
    assert.deepEqual(checkBoxManifest(manifest, boxSumsText(manifest)).problems, []);
  });

  it('names the part where SHA256SUMS disagrees, and refuses paths that climb out', () => {
    const sums = boxSumsText(manifest).replace('c'.repeat(64), 'd'.repeat(64));
    assert.deepEqual(checkBoxManifest(manifest, sums).problems, [
      'SHA256SUMS disagrees with ops-box-bundle.json on parts/models.tar',
    ]);
    const climbing = { ...manifest, parts: [{ ...manifest.parts[0]!, path: 'parts/../../etc/passwd' }] };
    assert.match(checkBoxManifest(climbing, boxSumsText(climbing)).problems.join(), /parts\.0\.path/);
  });

  it("points the Plan's engines at this machine's store", () => {
    const text = planForTarget(
      'version: 1\nengines:\n  - engine: llama.cpp\n    name: coder\n    model: /src/models/blobs/sha256/x\n  - engine: external\n    name: far\n',
      manifest.models,
      (sha) => `/dst/blobs/${sha}`,
    );
    const doc = parse(text) as { engines: { model?: string }[] };
    assert.equal(doc.engines[0]!.model, `/dst/blobs/${SHA}`);
    assert.equal(doc.engines[1]!.model, undefined);
  });
});
