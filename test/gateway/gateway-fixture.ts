import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/server.js';
import type { UpstreamDescriptor, UsageRecord } from '../../src/gateway/types.js';
import {
  type LooseJson,
  type ReplyScript,
  type ScriptedUpstream,
  startScriptedUpstream,
} from './scripted-openai-upstream.js';

export interface GatewayFixture {
  url: string;
  gateway: Gateway;
  upstream: ScriptedUpstream;
  usage: UsageRecord[];
  close(): Promise<void>;
}

/** A gateway on a random loopback port in front of one scripted upstream (llama.cpp-like by default). */
export async function startFixture(
  script: ReplyScript = [],
  overrides: {
    descriptor?: Partial<UpstreamDescriptor>;
    options?: Partial<GatewayOptions>;
    tokenize?: boolean;
  } = {},
): Promise<GatewayFixture> {
  const upstream = await startScriptedUpstream(script, { tokenize: overrides.tokenize ?? true });
  const usage: UsageRecord[] = [];
  const descriptor: UpstreamDescriptor = {
    name: 'coder',
    baseUrl: upstream.baseUrl,
    aliases: ['quality'],
    contextLength: 32768,
    parallel: 2,
    engine: 'llama.cpp',
    upstreamModel: 'coder-gguf',
    ...overrides.descriptor,
  };
  const gateway = createGateway({
    upstreams: [descriptor],
    usageSink: (r) => usage.push(r),
    ...overrides.options,
  });
  const url = await gateway.listen(0);
  return {
    url,
    gateway,
    upstream,
    usage,
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}

/** POSTs JSON and returns status, headers and the raw text. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => LooseJson }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}
