import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { HeadlessChromium } from '../support/headless-chromium.js';
import { countColour, decodePng, inkShare } from '../support/png-pixels.js';
import { runCli } from '../support/run-cli.js';
import { fillMarchLedger } from './march-fixture.js';

/** A4 less the 14 mm margins of the print styles, in CSS pixels (96 per inch): 182 mm. */
const A4_CONTENT_PX = Math.floor((182 / 25.4) * 96);

interface Placed {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

/** Where each text was laid out (the first text node containing it), and in what colour. */
const placeTexts = (texts: string[]) => `(() => {
  const out = [];
  for (const text of ${JSON.stringify(texts)}) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node; let found = null;
    while ((node = walker.nextNode())) {
      const at = node.textContent.indexOf(text);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at); range.setEnd(node, at + text.length);
      const r = range.getBoundingClientRect();
      found = { text, x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,
        color: getComputedStyle(node.parentElement).color };
      break;
    }
    out.push(found ?? { text, x: 0, y: 0, width: 0, height: 0, color: '' });
  }
  return out;
})()`;

/** Tables and charts wider than the page in print media (what would be cut off on paper). */
const overflowInPrint = `(() => [...document.querySelectorAll('table, svg, p')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((e) => e.tagName + ': ' + e.textContent.slice(0, 60)))()`;

async function checkPage(
  file: string,
  figures: string[],
  shot: string,
): Promise<{ placed: Placed[]; svgs: number; pdf: Buffer }> {
  const browser = await HeadlessChromium.open(pathToFileURL(file).href, { width: 1100, height: 900 });
  try {
    const placed = await browser.evaluate<Placed[]>(placeTexts(figures));
    const svgs = await browser.evaluate<number>("document.querySelectorAll('svg').length");
    const png = await browser.screenshot();
    writeFileSync(shot, png);
    const pixels = decodePng(png);
    // Not blank, not a wall of colour.
    const ink = inkShare(pixels);
    assert.ok(ink > 0.02 && ink < 0.6, `${file}: ${Math.round(ink * 100)}% of the screenshot is ink`);
    // Each key figure was laid out, in a dark colour, and its pixels on the screenshot are not empty.
    for (const p of placed) {
      assert.ok(p.width > 0 && p.height > 0, `"${p.text}" is not laid out in ${file}`);
      const [r, g, b] = (p.color.match(/\d+/g) ?? []).map(Number);
      assert.ok(
        (r ?? 255) + (g ?? 255) + (b ?? 255) < 450,
        `"${p.text}" is drawn in a faint colour ${p.color}`,
      );
      const box = {
        x: Math.floor(p.x),
        y: Math.floor(p.y),
        width: Math.ceil(p.width),
        height: Math.ceil(p.height),
      };
      const dark = countColour(pixels, '#1a202c', 90, box);
      assert.ok(dark > p.width / 2, `"${p.text}" left ${dark} dark pixels at ${JSON.stringify(box)}`);
    }
    // Chart lines: the local (blue) and cloud (red) series are drawn.
    assert.ok(countColour(pixels, '#3182ce', 30) > 100, 'no blue series drawn');
    assert.ok(countColour(pixels, '#c53030', 30) > 100, 'no red series drawn');

    // Print: on an A4 page width nothing runs off the side, and Chromium prints it to a PDF of whole pages.
    await browser.send('Emulation.setDeviceMetricsOverride', {
      width: A4_CONTENT_PX,
      height: 1000,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await browser.send('Emulation.setEmulatedMedia', { media: 'print' });
    assert.deepEqual(
      await browser.evaluate<string[]>(overflowInPrint),
      [],
      `${file}: wider than A4 in print`,
    );
    const pdf = await browser.printToPdf();
    return { placed, svgs, pdf };
  } finally {
    await browser.close();
  }
}

describe('html from ops tco and ops report, rendered by headless Chromium', { timeout: 180_000 }, () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'ops-html-shot-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  test('ops tco --format html: the worked example’s figures render, with its chart, and print to A4', async () => {
    const file = join(home, 'tco.html');
    const r = await runCli(
      [
        'tco',
        '--hardware',
        'hardware-profiles/examples/2x-rtx-4090.yaml',
        '--hardware-cost',
        '12000',
        '--electricity-usd-per-month',
        '50',
        '--maintenance-usd-per-year',
        '500',
        '--years',
        '3',
        '--cloud-usd-per-month',
        '600',
        '--format',
        'html',
        '--out',
        file,
      ],
      { OPS_HOME: home },
    );
    assert.equal(r.code, 0, r.stderr);
    const { svgs, pdf } = await checkPage(
      file,
      ['$15,300.00', '$12,000.00', '$1,800.00', '$1,500.00', '$5,100.00 a year', 'month 24'],
      join(home, 'tco.png'),
    );
    assert.equal(svgs, 1);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(countPdfPages(pdf) >= 1 && countPdfPages(pdf) <= 3, `${countPdfPages(pdf)} pages`);
    assert.match(readFileSync(file, 'utf8'), /@media print/);
  });

  test('ops report --format html: cache-aware savings and the lifetime TCO render, and print to A4', async () => {
    const ledger = Ledger.open(join(home, 'ledger.sqlite'));
    fillMarchLedger(ledger);
    ledger.close();
    writeFileSync(
      join(home, 'config.yaml'),
      'profile: consumer\ntariff: { usdPerKWh: 0.1 }\nhardware: { costUsd: 5000, startDate: 2026-03-01, lifetimeYears: 3, maintenanceUsdPerYear: 600 }\n',
    );
    const file = join(home, 'report.html');
    const r = await runCli(['report', '--month', '2026-03', '--format', 'html', '--out', file], {
      OPS_HOME: home,
    });
    assert.equal(r.code, 0, r.stderr);
    const { svgs, pdf } = await checkPage(
      file,
      ['Total cost of ownership', 'Over 3 years at this rate', 'each kind at its rate', 'Owning breaks even'],
      join(home, 'report.png'),
    );
    assert.equal(svgs, 4);
    assert.ok(countPdfPages(pdf) >= 2, `${countPdfPages(pdf)} pages`);
  });
});

/** Pages in a PDF: its page objects (`/Type /Page`, not `/Pages`). */
function countPdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}
