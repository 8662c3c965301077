import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import {
  AGENT_ADDON_PATH,
  bundleAgent,
  loadAgentRecipe,
  sqliteAddonFile,
} from '../../src/images/agent-image.js';
import { createRecipe } from '../../src/images/image-recipe.js';

describe('agent image', () => {
  it('bundles the agent with better-sqlite3, loading its addon from the image’s fixed path instead of searching node_modules', async () => {
    const bundle = await bundleAgent();
    assert.ok(bundle.includes(`require(${JSON.stringify(AGENT_ADDON_PATH)})`));
    assert.doesNotMatch(bundle, /require\("bindings"\)/);
    assert.doesNotMatch(
      bundle,
      /require\("better-sqlite3"\)/,
      'better-sqlite3’s JavaScript is in the bundle',
    );
  });

  it('carries this host’s Node.js and the addon npm built for it, as hashed binary inputs', async () => {
    const recipe = await loadAgentRecipe({ tag: 'ops/agent:test' });
    assert.deepEqual(recipe.packages, ['libstdc++6']);
    const files = recipe.contextFiles ?? {};
    assert.deepEqual(Object.keys(files).sort(), ['agent.cjs', 'better_sqlite3.node', 'node']);
    assert.ok(Buffer.from(files.node as Uint8Array).equals(readFileSync(process.execPath)));
    assert.ok(
      Buffer.from(files['better_sqlite3.node'] as Uint8Array).equals(readFileSync(sqliteAddonFile())),
    );
    // Other bytes under the same name make another image.
    const other = createRecipe({ ...recipe, contextFiles: { ...files, node: new Uint8Array([1, 2, 3]) } });
    assert.equal(other.rootfsHash, recipe.rootfsHash);
    assert.notEqual(other.inputsHash, recipe.inputsHash);
  });
});
