import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';

const shipped = defaultProfilesDir({});
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** A temp copy of the shipped profiles with some files replaced. */
function profilesWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-profiles-'));
  temp.push(dir);
  for (const name of ['consumer.yaml', 'prosumer.yaml', 'enterprise.yaml', 'cpu-only.yaml']) {
    writeFileSync(join(dir, name), readFileSync(join(shipped, name)));
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadProfiles', () => {
  it('loads the shipped profiles, highest priority first, with the seed TCO figures', () => {
    const profiles = loadProfiles(shipped);
    assert.deepEqual(
      profiles.map((p) => p.id),
      ['enterprise', 'prosumer', 'consumer', 'cpu-only'],
    );
    const prosumer = profiles.find((p) => p.id === 'prosumer')!;
    assert.equal(prosumer.tco.hardwareCostUsd.typical, 12_000);
    assert.equal(prosumer.tco.lifetimeYears, 3);
    assert.equal(prosumer.tco.electricityUsdPerMonth, 50);
    assert.equal(prosumer.tco.maintenanceUsdPerYear, 500);
    const consumer = profiles.find((p) => p.id === 'consumer')!;
    assert.deepEqual([consumer.tco.hardwareCostUsd.low, consumer.tco.hardwareCostUsd.high], [4000, 6000]);
    const enterprise = profiles.find((p) => p.id === 'enterprise')!;
    assert.ok(enterprise.tco.hardwareCostUsd.low >= 30_000);
    assert.ok(profiles.every((p) => p.defaults.contextTokens >= 65536 && p.file.endsWith('.yaml')));
  });

  it('OPS_PROFILES_DIR overrides where profiles are read from', () => {
    assert.equal(defaultProfilesDir({ OPS_PROFILES_DIR: '/srv/profiles' }), '/srv/profiles');
  });

  it('a person can add a profile without code', () => {
    const dir = profilesWith({
      'workstation-96.yaml': readFileSync(join(shipped, 'prosumer.yaml'), 'utf8')
        .replace('id: prosumer', 'id: workstation-96')
        .replace('priority: 20', 'priority: 25'),
    });
    assert.deepEqual(
      loadProfiles(dir).map((p) => p.id),
      ['enterprise', 'workstation-96', 'prosumer', 'consumer', 'cpu-only'],
    );
  });

  it('reports a broken file with its path and every bad field', () => {
    const broken = readFileSync(join(shipped, 'consumer.yaml'), 'utf8')
      .replace('minGpuCount: 1', 'minGpuCount: -1')
      .replace('concurrency: 2', 'concurrency: 0')
      .replace('lifetimeYears: 3', 'lifetimeYears: "three"');
    const dir = profilesWith({ 'consumer.yaml': broken });
    assert.throws(
      () => loadProfiles(dir),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.source, join(dir, 'consumer.yaml'));
        assert.deepEqual(error.problems.map((p) => p.path).sort(), [
          'defaults.concurrency',
          'match[0].minGpuCount',
          'tco.lifetimeYears',
        ]);
        assert.match(error.message, /consumer\.yaml is invalid \(3 problems\)/);
        return true;
      },
    );
  });

  it('reports problems in several files together, each prefixed with its file', () => {
    const dir = profilesWith({
      'extra.yaml': 'id: consumer\ntitle: x\npriority: 1\nmatch: [{}]\n',
      'bad-yaml.yaml': 'id: [unclosed\n',
    });
    assert.throws(
      () => loadProfiles(dir),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        const paths = error.problems.map((p) => p.path);
        assert.ok(paths.some((p) => p.startsWith('bad-yaml.yaml › line ')));
        assert.ok(paths.includes('extra.yaml › match[0]'));
        assert.ok(paths.includes('extra.yaml › defaults'));
        return true;
      },
    );
  });

  it('refuses two profiles with the same id', () => {
    const dir = profilesWith({
      'consumer-copy.yaml': readFileSync(join(shipped, 'consumer.yaml')).toString(),
    });
    assert.throws(
      () => loadProfiles(dir),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.problems.some((p) => p.path === 'id' && /already used by/.test(p.message)),
    );
  });
});
