import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { PowerSample, ProbeResult } from '../ledger/types.js';

/**
 * The agent's `/metrics` for Prometheus: the latest power per device, the energy integrated so far, and the
 * latest probe of each target. Names follow Prometheus conventions (base units, `_total` for counters).
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly power = new Gauge({
    name: 'ops_power_watts',
    help: 'Latest power reading per device',
    labelNames: ['source', 'device'],
    registers: [this.registry],
  });
  private readonly energy = new Counter({
    name: 'ops_energy_joules_total',
    help: 'Energy integrated by the agent since it started (trapezoid over consecutive readings)',
    labelNames: ['source', 'device'],
    registers: [this.registry],
  });
  private readonly up = new Gauge({
    name: 'ops_probe_up',
    help: '1 when the latest probe of the target succeeded',
    labelNames: ['target'],
    registers: [this.registry],
  });
  private readonly probeLatency = new Gauge({
    name: 'ops_probe_latency_seconds',
    help: 'Latency of the latest successful probe',
    labelNames: ['target'],
    registers: [this.registry],
  });
  private readonly samplerErrors = new Counter({
    name: 'ops_agent_sampler_errors_total',
    help: 'Failed reads per sampler',
    labelNames: ['sampler'],
    registers: [this.registry],
  });
  private readonly last = new Map<string, { tsMs: number; powerW: number }>();

  recordPower(samples: readonly PowerSample[], maxGapMs: number): void {
    for (const s of samples) {
      if (s.powerW === null) continue;
      const labels = { source: s.source, device: s.device };
      this.power.set(labels, s.powerW);
      const key = `${s.source}/${s.device}`;
      const prev = this.last.get(key);
      if (prev && s.tsMs > prev.tsMs && s.tsMs - prev.tsMs <= maxGapMs) {
        this.energy.inc(labels, ((prev.powerW + s.powerW) / 2) * ((s.tsMs - prev.tsMs) / 1000));
      }
      this.last.set(key, { tsMs: s.tsMs, powerW: s.powerW });
    }
  }

  recordProbe(p: ProbeResult): void {
    this.up.set({ target: p.target }, p.ok ? 1 : 0);
    if (p.ok && p.latencyMs !== null) this.probeLatency.set({ target: p.target }, p.latencyMs / 1000);
  }

  recordSamplerError(sampler: string): void {
    this.samplerErrors.inc({ sampler });
  }

  /** Serves `GET /metrics` on host:port (0 = any free port); resolves with the URL. */
  async listen(port: number, host: string): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        this.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(text);
        });
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found; try /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/metrics`, server };
  }
}
