import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DEFAULT_SOURCES, intentFromDefaults, parseSources } from '../../src/planner/intent-defaults.js';
import { planModels } from '../../src/planner/plan-models.js';
import { MIN_CODER_QUALITY, SPEED_QUALITY_WINDOW } from '../../src/planner/quality-floor.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { catalog, HARDWARE, intent, rtx4090 } from './helpers.js';

const smoke = (id: string) => id.startsWith('ops-smoke-');

describe('the built-in smoke models are planned only when asked for', () => {
  it('every profile plans hub models by default; builtin comes only from --sources', () => {
    for (const profile of loadProfiles(defaultProfilesDir())) {
      assert.deepEqual(intentFromDefaults(profile, {}).sources, ['hf'], profile.id);
      assert.deepEqual(intentFromDefaults(profile, { sources: ['builtin'] }).sources, ['builtin']);
    }
    assert.deepEqual(DEFAULT_SOURCES, ['hf']);
    assert.deepEqual(parseSources(['hub', 'builtin', 'hf']), ['hf', 'builtin']);
    assert.throws(() => parseSources(['s3']), /--sources: unknown model source s3/);
  });

  it('a CPU-only box with 16 GiB plans a real coder that fits its RAM, not the smoke model', () => {
    const hardware = HARDWARE['cpu-only-16g']!;
    const p = planModels({
      hardware,
      catalog,
      intent: intent({ sources: undefined, roles: ['quality-coder', 'fast-coder'], contextLength: 16384 }),
    });
    const e = p.entries[0];
    assert.ok(e, p.suggestions.join('\n'));
    assert.equal(e.source.kind, 'hf');
    assert.ok(!smoke(e.modelId), e.id);
    assert.deepEqual(e.gpus, []);
    // 16 GiB less the 2 GiB reserve (ramReserveBytes: max(2 GiB, 10 %)).
    assert.ok(e.cpuBytes <= 14 * 2 ** 30, `${e.cpuBytes}`);
    assert.ok(
      p.rejected.every((r) => !smoke(r.modelId)),
      'smoke models are not even candidates',
    );
  });

  it('--priority speed on a 4090 never picks the smoke model, even when builtin is allowed', () => {
    const p = planModels({
      hardware: { gpus: [rtx4090(0)], ramMiB: 65536, cpuCores: 16 },
      catalog,
      intent: intent({ priority: 'speed', sources: ['hf', 'builtin'], roles: ['fast-coder'] }),
    });
    const e = p.entries[0];
    assert.ok(e);
    assert.ok(!smoke(e.modelId), e.id);
    const best = Math.max(
      e.score,
      ...p.rejected.map((r) => Number(/score ([\d.]+)/.exec(r.reason)?.[1] ?? Number.NEGATIVE_INFINITY)),
    );
    assert.ok(e.score >= Math.max(MIN_CODER_QUALITY, best - SPEED_QUALITY_WINDOW) - 1e-9);
    const smokeReasons = p.rejected.filter((r) => smoke(r.modelId) && /fits/.test(r.reason));
    assert.ok(smokeReasons.length > 0);
    for (const r of smokeReasons) assert.match(r.reason, /under the speed floor/);
  });

  it('asked for, the smoke model is what a CPU-only box plans', () => {
    const p = planModels({
      hardware: HARDWARE['cpu-only-16g']!,
      catalog,
      intent: intent({ sources: ['builtin'] }),
    });
    assert.ok(p.entries[0] && smoke(p.entries[0].modelId));
  });
});
