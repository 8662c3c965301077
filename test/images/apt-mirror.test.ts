import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import {
  findDebianMirror,
  isDebianSuite,
  parseAptSourceFile,
  parseDeb822Sources,
  parseOneLineSources,
  pickDebianMirror,
} from '../../src/images/apt-mirror.js';

const DEB822 = `Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('parseDeb822Sources', () => {
  it('reads each paragraph, skipping comment lines inside it', () => {
    const entries = parseDeb822Sources(DEB822, 'debian.sources');
    assert.equal(entries.length, 2);
    assert.deepEqual(entries[0], {
      file: 'debian.sources',
      types: ['deb'],
      uris: ['http://mirror.example/debian'],
      suites: ['bookworm', 'bookworm-updates'],
      components: ['main'],
      enabled: true,
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
  });

  it('joins continuation lines and honours Enabled: no', () => {
    const [entry] = parseDeb822Sources(
      'Types: deb\nURIs: http://a.example/debian\n  http://b.example/debian\nSuites: sid\nEnabled: no\n',
    );
    assert.deepEqual(entry?.uris, ['http://a.example/debian', 'http://b.example/debian']);
    assert.equal(entry?.enabled, false);
  });

  it('ignores a paragraph that is commented out entirely, and CRLF line ends', () => {
    const text =
      '# Types: deb\r\n# URIs: http://old.example/debian\r\n\r\nTypes: deb\r\nURIs: http://mirror.example/debian\r\nSuites: sid\r\n';
    const entries = parseDeb822Sources(text);
    assert.deepEqual(
      entries.map((e) => e.uris),
      [['http://mirror.example/debian']],
    );
  });
});

describe('parseOneLineSources', () => {
  it('reads deb and deb-src lines with and without [options], skipping comments', () => {
    const text = [
      '# deb http://commented.example/debian sid main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://mirror.example/debian trixie main contrib',
      'deb-src http://mirror.example/debian trixie main',
      'deb http://mirror.example/debian trixie-updates main # trailing comment',
      '',
    ].join('\n');
    const entries = parseOneLineSources(text, 'sources.list');
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[0], {
      file: 'sources.list',
      types: ['deb'],
      uris: ['http://mirror.example/debian'],
      suites: ['trixie'],
      components: ['main', 'contrib'],
      enabled: true,
      signedBy: '/usr/share/keyrings/x.gpg',
    });
    assert.deepEqual(entries[1]?.types, ['deb-src']);
    assert.deepEqual(entries[2]?.components, ['main']);
  });
});

describe('parseAptSourceFile', () => {
  it('parses by extension and ignores files apt ignores (disabled copies)', () => {
    const line = 'deb http://mirror.example/debian sid main';
    assert.equal(parseAptSourceFile('/etc/apt/sources.list.d/a.list', line).length, 1);
    assert.equal(parseAptSourceFile('/etc/apt/sources.list.d/a.list.disabled', line).length, 0);
    assert.equal(parseAptSourceFile('/etc/apt/sources.list.d/b.sources.bak', DEB822).length, 0);
    assert.equal(parseAptSourceFile('/etc/apt/sources.list.d/b.sources', DEB822).length, 2);
  });
});

describe('isDebianSuite', () => {
  it('knows codenames, symbolic suites and their suffixed forms, not Ubuntu or vendor suites', () => {
    for (const suite of [
      'sid',
      'trixie',
      'bookworm-updates',
      'bookworm-backports',
      'stable',
      'unstable',
      'bullseye/updates',
    ]) {
      assert.ok(isDebianSuite(suite), suite);
    }
    for (const suite of ['noble', 'jammy-updates', 'nodistro', 'cloud-sdk-bookworm']) {
      assert.equal(isDebianSuite(suite), false, suite);
    }
  });
});

describe('pickDebianMirror', () => {
  const deb = (
    uri: string,
    suite: string,
    extra: Partial<{ components: string[]; signedBy: string; enabled: boolean }> = {},
  ) => ({
    file: 'f',
    types: ['deb'],
    uris: [uri],
    suites: [suite],
    components: extra.components ?? ['main'],
    enabled: extra.enabled ?? true,
    ...(extra.signedBy ? { signedBy: extra.signedBy } : {}),
  });

  const cases: Array<{ name: string; entries: ReturnType<typeof deb>[]; expected: string | undefined }> = [
    {
      name: 'the archive, not the security archive listed first',
      entries: [
        deb('http://mirror.example/debian-security', 'bookworm-security'),
        deb('http://mirror.example/debian/', 'bookworm'),
      ],
      expected: 'http://mirror.example/debian',
    },
    {
      name: 'a Debian suite on a mirror whose path does not say debian',
      entries: [deb('https://pkgs.internal.example/mirror', 'sid')],
      expected: 'https://pkgs.internal.example/mirror',
    },
    {
      name: 'a debian path with a non-codename suite',
      entries: [deb('http://mirror.example/debian', 'rolling')],
      expected: 'http://mirror.example/debian',
    },
    {
      name: 'nothing from vendor repos (nodistro, cloud-sdk-bookworm) or Ubuntu',
      entries: [
        deb('https://vendor.example/node_20.x', 'nodistro'),
        deb('https://vendor.example/apt', 'cloud-sdk-bookworm'),
        deb('http://ubuntu.example/ubuntu', 'noble'),
      ],
      expected: undefined,
    },
    {
      name: 'nothing from a disabled entry',
      entries: [deb('http://mirror.example/debian', 'sid', { enabled: false })],
      expected: undefined,
    },
    {
      name: 'the Debian archive over a third-party repo laid out like one',
      entries: [
        deb('https://vendor.example/linux/debian', 'bookworm', {
          components: ['stable'],
          signedBy: '/etc/apt/keyrings/vendor.asc',
        }),
        deb('http://mirror.example/debian', 'bookworm'),
      ],
      expected: 'http://mirror.example/debian',
    },
    {
      name: 'not an apt-only transport debootstrap cannot use',
      entries: [deb('mirror+file:/etc/apt/mirrors.txt', 'sid'), deb('file:/srv/debian', 'sid')],
      expected: 'file:/srv/debian',
    },
  ];
  for (const { name, entries, expected } of cases) {
    it(`picks ${name}`, () => assert.equal(pickDebianMirror(entries)?.uri, expected));
  }

  it('skips deb-src entries', () => {
    assert.equal(
      pickDebianMirror([{ ...deb('http://mirror.example/debian', 'sid'), types: ['deb-src'] }]),
      undefined,
    );
  });
});

describe('findDebianMirror', () => {
  const withAptDir = (files: Record<string, string>, run: (aptDir: string) => void) => {
    const aptDir = mkdtempSync(join(tmpdir(), 'ops-apt-'));
    try {
      mkdirSync(join(aptDir, 'sources.list.d'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(aptDir, name), text);
      run(aptDir);
    } finally {
      rmSync(aptDir, { recursive: true, force: true });
    }
  };

  it('reads sources.list.d, skipping disabled files', () => {
    withAptDir(
      {
        'sources.list.d/debian.sources': DEB822,
        'sources.list.d/other.list.disabled-by-admin': 'deb http://wrong.example/debian sid main\n',
      },
      (aptDir) => {
        const mirror = findDebianMirror({ env: {}, aptDir });
        assert.equal(mirror.uri, 'http://mirror.example/debian');
        assert.equal(mirror.source, join(aptDir, 'sources.list.d', 'debian.sources'));
      },
    );
  });

  it('prefers sources.list, read first by apt', () => {
    withAptDir(
      {
        'sources.list': 'deb http://first.example/debian sid main\n',
        'sources.list.d/debian.sources': DEB822,
      },
      (aptDir) => assert.equal(findDebianMirror({ env: {}, aptDir }).uri, 'http://first.example/debian'),
    );
  });

  it('lets OPS_APT_MIRROR override the apt sources', () => {
    withAptDir({ 'sources.list.d/debian.sources': DEB822 }, (aptDir) => {
      const mirror = findDebianMirror({ env: { OPS_APT_MIRROR: 'http://override.example/debian/' }, aptDir });
      assert.deepEqual(mirror, { uri: 'http://override.example/debian', source: 'OPS_APT_MIRROR' });
    });
  });

  it('rejects an OPS_APT_MIRROR that is not a URL debootstrap can fetch from', () => {
    assert.throws(
      () => findDebianMirror({ env: { OPS_APT_MIRROR: 'mirror.example/debian' }, aptDir: '/nonexistent' }),
      OpsError,
    );
  });

  it('fails with a hint naming OPS_APT_MIRROR when no Debian archive is configured', () => {
    withAptDir(
      { 'sources.list.d/vendor.list': 'deb https://vendor.example/apt nodistro main\n' },
      (aptDir) => {
        assert.throws(
          () => findDebianMirror({ env: {}, aptDir }),
          (error: unknown) =>
            error instanceof OpsError &&
            /no Debian archive/.test(error.message) &&
            /OPS_APT_MIRROR/.test(error.hint ?? ''),
        );
      },
    );
  });
});
