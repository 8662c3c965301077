import type { LatencySection, SuccessMetric, TcoSection, TokensSection, UptimeSection } from './types.js';

/** The seed's success metrics as rows: uptime, average latency, monthly cost after hardware, local share. */
export function computeSuccessMetrics(
  uptime: UptimeSection,
  latency: LatencySection,
  tco: TcoSection,
  tokens: TokensSection,
  monthlyCostTargetUsd: number,
): SuccessMetric[] {
  const avgS = latency.averageMs === null ? null : latency.averageMs / 1000;
  return [
    {
      name: 'Uptime',
      target: `> ${uptime.targetPercent}%`,
      value: uptime.percent === null ? 'no data' : `${uptime.percent.toFixed(2)}%`,
      met: uptime.percent === null ? null : uptime.percent > uptime.targetPercent,
    },
    {
      name: 'Average latency',
      target: `< ${latency.targetS} s`,
      value: avgS === null ? 'no data' : `${avgS.toFixed(2)} s`,
      met: avgS === null ? null : avgS < latency.targetS,
    },
    {
      name: 'Monthly cost after hardware',
      target: `< $${monthlyCostTargetUsd}`,
      value: `$${tco.monthlyCostAfterHardwareUsd.toFixed(2)}`,
      met: tco.monthlyCostAfterHardwareUsd < monthlyCostTargetUsd,
    },
    {
      name: 'Requests served locally',
      target: 'informational',
      value: tokens.localSharePercent === null ? 'no data' : `${tokens.localSharePercent.toFixed(1)}%`,
      met: null,
    },
  ];
}
