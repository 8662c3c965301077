import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { TcoReport } from '../../src/tco/tco-scenario.js';
import { runCli } from '../support/run-cli.js';

const EXAMPLE = 'hardware-profiles/examples/2x-rtx-4090.yaml';
const WORKED = [
  'tco',
  '--hardware',
  EXAMPLE,
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
];

describe('ops tco through the CLI', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'ops-tco-cli-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  test('the worked example entered as inputs: $15,300 with its three terms, break-even $5,100 a year', async () => {
    const r = await runCli(WORKED, { OPS_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /TCO over 3 years: \*\*\$15,300\.00\*\* = hardware \$12,000\.00 \+ electricity \$1,800\.00 \+ maintenance \$1,500\.00/,
    );
    assert.match(r.stdout, /Break-even cloud spend: \*\*\$5,100\.00 a year\*\*/);
    // $600 a month against $91.67 running: $12,000 / $508.33 → month 24.
    assert.match(r.stdout, /pays back in \*\*month 24\*\*/);
    assert.match(r.stdout, /### Sensitivity/);
    const json = await runCli([...WORKED, '--json'], { OPS_HOME: home });
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as TcoReport;
    const s = report.scenarios[0]!;
    assert.deepEqual(
      [s.tco.total.hardwareUsd, s.tco.total.electricityUsd, s.tco.total.maintenanceUsd, s.tco.total.totalUsd],
      [12_000, 1_800, 1_500, 15_300],
    );
    assert.equal(s.tco.breakEvenCloudUsdPerYear, 5_100);
    assert.equal(s.tco.breakEvenMonth, 24);
    assert.deepEqual(s.defaults, []);
  });

  test('with only a region and a cloud figure, every default is named and both example boxes are compared', async () => {
    const r = await runCli(['tco', '--region', 'de', '--cloud-usd-per-month', '800', '--format', 'json'], {
      OPS_HOME: home,
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as TcoReport;
    assert.deepEqual(
      report.scenarios.map((s) => s.option.name),
      ['2x-rtx-4090', '3x-rtx-3090'],
    );
    const s = report.scenarios[0]!;
    // 2 × 450 W + 150 W at load, 2 × 25 W + 60 W idle; 40 h load and 128 h idle a week at the German default 43¢.
    assert.deepEqual([s.power.value.loadW, s.power.value.idleW], [1050, 110]);
    const kWhPerWeek = 1.05 * 40 + 0.11 * 128;
    assert.ok(Math.abs(s.electricity!.usdPerMonth - kWhPerWeek * 0.43 * (365.25 / 12 / 7)) < 1e-9);
    for (const name of ['hardware cost', 'electricity price', 'power draw', 'hours of use', 'maintenance'])
      assert.ok(
        s.defaults.some((d) => d.startsWith(`${name} is a default`)),
        name,
      );
    const md = await runCli(['tco', '--region', 'de', '--cloud-usd-per-month', '800'], { OPS_HOME: home });
    assert.match(md.stdout, /## Options compared/);
    assert.match(md.stdout, /\*\*default\*\*: region de/);
  });

  test('the cloud spend can come from a console usage CSV, priced cache-aware', async () => {
    const csv = join(home, 'usage.csv');
    // 30 days of Sonnet: each day 0.2M plain input, 3M cache reads, 0.1M cache writes, 0.05M output:
    // $0.60 + $0.90 + $0.375 + $0.75 = $2.625 a day, $78.75 over 30 days.
    const lines = [
      'date,model,input_tokens,cache_read_input_tokens,cache_creation_input_tokens,output_tokens',
    ];
    for (let d = 1; d <= 30; d++)
      lines.push(`2026-11-${String(d).padStart(2, '0')},claude-sonnet-4-5,200000,3000000,100000,50000`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const r = await runCli([...WORKED.slice(0, -2), '--cloud-usage-csv', csv, '--json'], { OPS_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    const s = (JSON.parse(r.stdout) as TcoReport).scenarios[0]!;
    assert.ok(
      Math.abs(s.cloudUsdPerMonth.value - (78.75 * (365.25 / 12)) / 30) < 1e-9,
      String(s.cloudUsdPerMonth.value),
    );
    assert.match(s.cloudUsdPerMonth.basis, /\$78\.75 over 30 days/);

    const costCsv = join(home, 'cost.csv');
    writeFileSync(
      costCsv,
      'Date,Model,Cost (USD)\n2026-11-01,claude-sonnet-4-5,"1,000.50"\n2026-11-30,claude-opus-4-5,999.50\n',
    );
    const c = await runCli([...WORKED.slice(0, -2), '--cloud-usage-csv', costCsv, '--json'], {
      OPS_HOME: home,
    });
    assert.equal(c.code, 0, c.stderr);
    const cs = (JSON.parse(c.stdout) as TcoReport).scenarios[0]!;
    assert.ok(Math.abs(cs.cloudUsdPerMonth.value - (2000 * (365.25 / 12)) / 30) < 1e-9);
  });

  test('bad input is a clear error with exit code 2, not a stack trace', async () => {
    for (const [args, message] of [
      [
        ['--years', '0'],
        /option '--years <n>' argument '0' is invalid\. expected a number above 0 and at most 20/,
      ],
      [
        ['--start-hour', '24'],
        /'--start-hour <h>' argument '24' is invalid\. expected a number of 0 or more and below 24/,
      ],
      [['--usd-per-kwh', '-0.3'], /'--usd-per-kwh <price>' argument '-0\.3' is invalid/],
      [['--hardware-cost', '3200,,5400'], /expected numbers separated by commas/],
      [['--region', 'mars'], /unknown region "mars"/],
      [['--days', 'mon,funday'], /--days: not a day: funday/],
      [['--hardware-cost', '1,2,3'], /3 prices for 1 hardware options/],
      [['--cloud-usage-csv', join(home, 'missing.csv')], /cannot read/],
    ] as const) {
      const r = await runCli(['tco', '--hardware', EXAMPLE, ...args], { OPS_HOME: home });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
