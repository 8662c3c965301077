import { estimateTokensFromBytes, type TokenCountSource } from './context-limits.js';
import type { ChatCompletionRequest } from './openai/types.js';
import type { Upstream } from './upstream-pool.js';

export interface TokenCount {
  tokens: number;
  source: TokenCountSource;
}

/**
 * Role markers and separators a chat template adds around each message (ChatML adds 4–5 tokens); added to
 * a count of the raw text so a llama.cpp count stays close to what the engine will see.
 */
const TEMPLATE_TOKENS_PER_MESSAGE = 5;

/** The text a prompt's tokens come from: system and message text, tool-call arguments and tool schemas. */
export function promptText(req: Pick<ChatCompletionRequest, 'messages' | 'tools'>): string {
  const parts: string[] = [];
  for (const m of req.messages ?? []) {
    const content = (m as { content?: unknown }).content;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) {
      for (const p of content) if (p && typeof p.text === 'string') parts.push(p.text);
    }
    const calls = (m as { tool_calls?: { function?: { name?: string; arguments?: string } }[] }).tool_calls;
    for (const c of calls ?? []) parts.push(`${c.function?.name ?? ''} ${c.function?.arguments ?? ''}`);
  }
  if (req.tools?.length) parts.push(JSON.stringify(req.tools));
  return parts.join('\n');
}

/** The bytes/4 estimate of a request's prompt. */
export function estimatePromptTokens(req: Pick<ChatCompletionRequest, 'messages' | 'tools'>): TokenCount {
  const overhead = (req.messages?.length ?? 0) * TEMPLATE_TOKENS_PER_MESSAGE;
  return {
    tokens: estimateTokensFromBytes(Buffer.byteLength(promptText(req))) + overhead,
    source: 'estimate',
  };
}

/**
 * Counts a prompt with the upstream's own tokenizer: llama-server `POST /tokenize {content}` →
 * `{tokens:[…]}`; vLLM `POST /tokenize {model, messages}` → `{count}` (chat template applied). Other
 * upstreams, or a tokenizer that fails, give the bytes/4 estimate, marked as such.
 */
export async function countPromptTokens(
  upstream: Upstream,
  req: Pick<ChatCompletionRequest, 'messages' | 'tools'>,
  signal?: AbortSignal,
): Promise<TokenCount> {
  const engine = upstream.descriptor.engine;
  try {
    if (engine === 'llama.cpp') {
      const res = await upstream.postRoot('/tokenize', JSON.stringify({ content: promptText(req) }), signal);
      const body = JSON.parse(await res.text()) as { tokens?: unknown[] };
      if (res.status === 200 && Array.isArray(body.tokens)) {
        return {
          tokens: body.tokens.length + (req.messages?.length ?? 0) * TEMPLATE_TOKENS_PER_MESSAGE,
          source: 'tokenizer',
        };
      }
    } else if (engine === 'vllm') {
      const payload: Record<string, unknown> = { model: upstream.upstreamModel, messages: req.messages };
      if (req.tools?.length) payload.tools = req.tools;
      const res = await upstream.postRoot('/tokenize', JSON.stringify(payload), signal);
      const body = JSON.parse(await res.text()) as { count?: unknown };
      if (res.status === 200 && typeof body.count === 'number')
        return { tokens: body.count, source: 'tokenizer' };
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    // The tokenizer is an optimisation: an engine without it (or one that is busy loading) gets the estimate.
  }
  return estimatePromptTokens(req);
}
