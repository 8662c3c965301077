import { withCachedPromptTokens } from '../cached-prompt-tokens.js';
import type { GatewayError } from '../gateway-error.js';
import type { ChatCompletionChunk, ChatUsage } from '../openai/types.js';
import { sseFrame } from '../sse-parser.js';
import { anthropicErrorBody } from './errors.js';
import { newId, toStopReason, toUsage } from './from-openai.js';
import type { Usage } from './types.js';

interface OpenBlock {
  index: number;
  kind: 'text' | 'tool_use';
  /** OpenAI tool call index, for tool_use blocks. */
  toolIndex?: number;
}

interface PendingTool {
  id: string | undefined;
  name: string | undefined;
  args: string;
}

/**
 * OpenAI chat completion chunks → Anthropic stream events, keeping Anthropic's invariants: one
 * `message_start`; blocks opened and closed one at a time with contiguous indexes (text, then each tool_use);
 * tool arguments as `input_json_delta`; `message_delta` with stop_reason and final usage; `message_stop`.
 * Reasoning deltas are dropped, as thinking blocks are everywhere else in the gateway.
 */
export class AnthropicStreamTranslator {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** Tool calls whose name has not arrived yet (a block needs its name when it opens). */
  private readonly pending = new Map<number, PendingTool>();
  private readonly closedTools = new Set<number>();
  private sawToolCall = false;
  private finishReason: string | null = null;
  private matchedStop: string | number | null = null;
  private usage: ChatUsage | null = null;
  private outputBytes = 0;
  /** Milliseconds since epoch of the first generated text or tool call. */
  firstTokenAt: number | undefined;

  constructor(
    private readonly send: (frame: string) => void,
    private readonly requestedModel: string,
    private readonly promptTokens: number,
  ) {}

  /** Sends `message_start` once; called early when the request has to queue, so pings can follow it. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.send(
      sseFrame('message_start', {
        type: 'message_start',
        message: {
          id: newId('msg'),
          type: 'message',
          role: 'assistant',
          model: this.requestedModel,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: this.promptTokens, output_tokens: 0 },
        },
      }),
    );
  }

  ping(): void {
    if (!this.finished) this.send(sseFrame('ping', { type: 'ping' }));
  }

  /** Translates one upstream chunk. Returns an error message when the chunk reports an upstream failure. */
  chunk(chunk: ChatCompletionChunk): string | undefined {
    this.start();
    if (chunk.error) return chunk.error.message ?? 'upstream reported an error';
    if (chunk.usage) this.usage = withCachedPromptTokens(chunk.usage, chunk.timings) ?? null;
    const choice = chunk.choices?.[0];
    if (!choice) return undefined;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content.length > 0) this.text(delta.content);
    for (const call of delta.tool_calls ?? []) this.toolCall(call);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    if (choice.stop_reason !== undefined && choice.stop_reason !== null)
      this.matchedStop = choice.stop_reason;
    return undefined;
  }

  /** Whether the upstream said why it stopped (a stream cut before this is a failure, not an answer). */
  get hasFinishReason(): boolean {
    return this.finishReason !== null;
  }

  /** Closes the open block and sends `message_delta` and `message_stop`. Returns the usage reported. */
  finish(): Usage {
    this.start();
    this.flushPendingTools();
    this.closeOpen();
    const { stopReason, stopSequence } = toStopReason(this.finishReason, this.matchedStop, this.sawToolCall);
    const usage = toUsage(this.usage, this.promptTokens, Math.ceil(this.outputBytes / 4));
    this.send(
      sseFrame('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: stopSequence },
        usage,
      }),
    );
    this.send(sseFrame('message_stop', { type: 'message_stop' }));
    this.finished = true;
    return usage;
  }

  /** Ends the stream with an Anthropic `error` event (the upstream failed after the response had started). */
  fail(error: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.send(sseFrame('error', anthropicErrorBody(error)));
  }

  /** Usage counted so far (for the usage record of a failed stream). */
  usageSoFar(): Usage {
    return toUsage(this.usage, this.promptTokens, Math.ceil(this.outputBytes / 4));
  }

  private text(text: string): void {
    this.firstTokenAt ??= Date.now();
    this.outputBytes += Buffer.byteLength(text);
    if (this.open?.kind !== 'text') {
      this.closeOpen();
      this.openBlock({ kind: 'text' }, { type: 'text', text: '' });
    }
    this.delta({ type: 'text_delta', text });
  }

  private toolCall(
    call: NonNullable<NonNullable<ChatCompletionChunk['choices']>[number]['delta']['tool_calls']>[number],
  ): void {
    this.firstTokenAt ??= Date.now();
    this.sawToolCall = true;
    const toolIndex = call.index ?? 0;
    const args = call.function?.arguments ?? '';
    this.outputBytes += Buffer.byteLength(args);
    if (this.open?.kind === 'tool_use' && this.open.toolIndex === toolIndex) {
      if (args) this.delta({ type: 'input_json_delta', partial_json: args });
      return;
    }
    // Upstreams send tool calls one after another; a fragment for a call already closed cannot be placed
    // in Anthropic's strictly ordered stream, so it is dropped rather than reopening a block.
    if (this.closedTools.has(toolIndex)) return;
    const pending = this.pending.get(toolIndex) ?? { id: undefined, name: undefined, args: '' };
    pending.id ??= call.id;
    pending.name ??= call.function?.name;
    pending.args += args;
    if (!pending.name) {
      this.pending.set(toolIndex, pending);
      return;
    }
    this.pending.delete(toolIndex);
    this.openTool(toolIndex, pending);
  }

  private openTool(toolIndex: number, tool: PendingTool): void {
    this.closeOpen();
    this.openBlock(
      { kind: 'tool_use', toolIndex },
      { type: 'tool_use', id: tool.id || newId('toolu'), name: tool.name ?? '', input: {} },
    );
    if (tool.args) this.delta({ type: 'input_json_delta', partial_json: tool.args });
  }

  private flushPendingTools(): void {
    for (const [toolIndex, tool] of [...this.pending].sort((a, b) => a[0] - b[0])) {
      this.pending.delete(toolIndex);
      this.openTool(toolIndex, { ...tool, name: tool.name ?? 'unknown_tool' });
    }
  }

  private openBlock(block: Omit<OpenBlock, 'index'>, contentBlock: object): void {
    this.open = { ...block, index: this.nextIndex++ };
    this.send(
      sseFrame('content_block_start', {
        type: 'content_block_start',
        index: this.open.index,
        content_block: contentBlock,
      }),
    );
  }

  private delta(delta: object): void {
    this.send(
      sseFrame('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta }),
    );
  }

  private closeOpen(): void {
    if (!this.open) return;
    this.send(sseFrame('content_block_stop', { type: 'content_block_stop', index: this.open.index }));
    if (this.open.toolIndex !== undefined) this.closedTools.add(this.open.toolIndex);
    this.open = undefined;
  }
}
