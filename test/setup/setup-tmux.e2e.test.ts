import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort, testDeploymentName } from '../support/docker-test-kit.js';

const OPS = join(import.meta.dirname, '..', '..', 'bin', 'ops.js');
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

/** The interactive wizard in a real terminal: tmux types the answers and reads the screen back. */
describe('ops setup, interactive, in a real terminal (tmux)', { timeout: 120_000 }, () => {
  const session = `ops-setup-${process.pid}`;
  let home: string;

  beforeAll(() => {
    // scripts/ensure-test-tools.sh installs tmux (make test runs it).
    home = mkdtempSync(join(tmpdir(), 'ops-setup-tmux-'));
  });
  afterAll(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  });

  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
  async function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const text = screen();
      if (pattern.test(text)) return text;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; screen:\n${text}`);
      await sleep(200);
    }
  }
  const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);

  it('asks what matters, shows the Plan and the host steps, and reaches the dry-run summary', async () => {
    const command = `OPS_HOME=${home} node ${OPS} setup --dry-run --deployment ${testDeploymentName()} --gateway-port ${await freePort()}; echo "EXIT=$?"; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command);
    await waitFor(/What matters more\?/);
    keys('Down', 'Enter'); // speed
    await waitFor(/Context length per agent/);
    keys('Up', 'Enter'); // one below the profile's 65536 (64K per agent for Claude Code): 32768
    await waitFor(/How many agents/);
    keys('BSpace', 'BSpace', '3', 'Enter');
    await waitFor(/Allow cloud fallback/);
    keys('n', 'Enter');
    await waitFor(/Electricity price/);
    keys('Enter');
    await waitFor(/What did this hardware cost/);
    keys('Enter');
    const text = await waitFor(/EXIT=\d+/);
    assert.match(text, /EXIT=0/, text);
    assert.match(text, /profile cpu-only/);
    assert.match(text, /32768 tokens × 3 agent\(s\), priority speed, cloud fallback off/);
    assert.match(text, /Host provisioning/);
    assert.match(text, /docker-daemon \(satisfied\)/);
    assert.match(text, /dry run: nothing was changed/);
  });
});
