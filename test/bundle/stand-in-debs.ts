import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stand-ins for NVIDIA's Container Toolkit packages, which cannot be fetched here (NVIDIA's repositories are not
 * reachable): the four package names `ops setup` installs (src/setup/provision-steps.ts), with the toolkit's
 * dependency chain, a few KiB each, built with dpkg-deb. `nvidia-ctk --version` answers as the real one does, with
 * "(stand-in)" in it. They are what a user passes as `--packages-dir` after `apt-get download` elsewhere.
 */
export async function writeToolkitStandInDebs(dir: string, version = '1.17.8-1'): Promise<string[]> {
  const packages: { name: string; depends?: string; files?: Record<string, string> }[] = [
    { name: 'libnvidia-container1' },
    { name: 'libnvidia-container-tools', depends: `libnvidia-container1 (= ${version})` },
    {
      name: 'nvidia-container-toolkit-base',
      files: {
        'usr/bin/nvidia-ctk': `#!/bin/sh\necho "NVIDIA Container Toolkit CLI version ${version.split('-')[0]} (stand-in)"\n`,
      },
    },
    {
      name: 'nvidia-container-toolkit',
      depends: `nvidia-container-toolkit-base (= ${version}), libnvidia-container-tools (= ${version})`,
    },
  ];
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const p of packages) {
    const root = join(dir, `${p.name}.build`);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN', 'control'),
      [
        `Package: ${p.name}`,
        `Version: ${version}`,
        'Architecture: all',
        'Maintainer: ops tests <ops@localhost>',
        ...(p.depends ? [`Depends: ${p.depends}`] : []),
        `Description: stand-in for NVIDIA's ${p.name} (ops air-gap test)`,
        '',
      ].join('\n'),
    );
    for (const [path, text] of Object.entries(p.files ?? {})) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
      chmodSync(join(root, path), 0o755);
    }
    const deb = join(dir, `${p.name}_${version}_all.deb`);
    await run('dpkg-deb', ['--root-owner-group', '--build', root, deb]);
    written.push(deb);
  }
  for (const p of packages) rmSync(join(dir, `${p.name}.build`), { recursive: true, force: true });
  return written;
}
