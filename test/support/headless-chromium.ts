import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Debian's `chromium`, headless, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
 * messages ended by NUL on file descriptors 3 and 4; chromedevtools.github.io/devtools-protocol), so a test can load
 * a page, ask where its text was laid out, switch to print media, print to PDF and take a screenshot, with no npm
 * package. scripts/ensure-test-tools.sh installs chromium.
 */
export class HeadlessChromium {
  private nextId = 1;
  private buffer = '';
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private sessionId: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly profileDir: string,
  ) {
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end = this.buffer.indexOf('\0');
      while (end >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        this.buffer = this.buffer.slice(end + 1);
        const pending = message.id === undefined ? undefined : this.waiting.get(message.id);
        if (pending) {
          this.waiting.delete(message.id!);
          if (message.error) pending.reject(new Error(message.error.message));
          else pending.resolve(message.result);
        }
        end = this.buffer.indexOf('\0');
      }
    });
  }

  /** Starts chromium with a fresh profile and opens `url` in a tab of the given size. */
  static async open(url: string, viewport: { width: number; height: number }): Promise<HeadlessChromium> {
    const profileDir = mkdtempSync(join(tmpdir(), 'ops-chromium-'));
    const child = spawn(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--remote-debugging-pipe',
        `--user-data-dir=${profileDir}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const started = new Promise<void>((resolve, reject) => {
      child.once('error', (e) =>
        reject(
          new Error(`cannot start chromium (${e.message}); run: sudo bash scripts/ensure-test-tools.sh`),
        ),
      );
      child.once('spawn', () => resolve());
    });
    await started;
    const browser = new HeadlessChromium(child, profileDir);
    try {
      const { targetId } = (await browser.send('Target.createTarget', { url: 'about:blank' })) as {
        targetId: string;
      };
      const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as {
        sessionId: string;
      };
      browser.sessionId = sessionId;
      await browser.send('Emulation.setDeviceMetricsOverride', {
        ...viewport,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await browser.send('Page.enable');
      await browser.send('Page.navigate', { url });
      for (let i = 0; i < 200; i++) {
        if ((await browser.evaluate('document.readyState')) === 'complete') return browser;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`page did not load: ${url}`);
    } catch (error) {
      await browser.close();
      throw new Error(
        `${(error as Error).message}\n${stderr
          .split('\n')
          .filter((l) => !l.includes('dbus'))
          .join('\n')
          .slice(-2000)}`,
      );
    }
  }

  /** Sends a DevTools command (to the page once attached) and waits for its result. */
  send(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    const message = { id, method, params, ...(this.sessionId ? { sessionId: this.sessionId } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`chromium did not answer ${method}`));
      }, 30_000);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Evaluates an expression in the page and returns its value (JSON-serialisable). */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const r = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as {
      data: string;
    };
    return Buffer.from(r.data, 'base64');
  }

  /** The page printed to PDF on A4 with its own print styles. */
  async printToPdf(): Promise<Buffer> {
    const r = (await this.send('Page.printToPDF', { preferCSSPageSize: true, printBackground: true })) as {
      data: string;
    };
    return Buffer.from(r.data, 'base64');
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    // Chromium's helper processes can still be writing the profile for a moment after the browser exits.
    rmSync(this.profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}
