import { withCachedPromptTokens } from '../cached-prompt-tokens.js';
import type { GatewayError } from '../gateway-error.js';
import type { ChatCompletionChunk, ChatTool, ChatUsage } from '../openai/types.js';
import { sseFrame } from '../sse-parser.js';
import { anthropicErrorBody } from './errors.js';
import { reasoningOf, toStopReason, toUsage } from './from-openai.js';
import { newId, settleToolCalls } from './settle-tool-calls.js';
import { TextToolCallScanner } from './text-tool-calls.js';
import type { ThinkingSigner } from './thinking-signature.js';
import { ToolCallAssembler } from './tool-call-assembler.js';
import type { ToolUseBlock, Usage } from './types.js';

export interface StreamTranslatorOptions {
  /** The tools the request offered: only then is text watched for text-form tool calls. */
  tools?: readonly ChatTool[];
  /** Returns the model's reasoning as signed thinking blocks; without it reasoning is dropped. */
  signer?: ThinkingSigner | undefined;
  /** While tool calls are being gathered nothing else is sent; a ping goes out this often (default 5 s). */
  pingIntervalMs?: number;
}

/**
 * OpenAI chat completion chunks → Anthropic stream events, keeping Anthropic's invariants: one
 * `message_start`; blocks opened and closed one at a time with contiguous indexes; `message_delta` with
 * stop_reason and final usage; `message_stop`. Text streams as it comes. Tool calls are gathered until the
 * answer ends and then sent whole, each as one `input_json_delta`: only then is it known which fragments
 * belong together, whether the output limit cut one, and whether text was a tool call written out — and so
 * a streamed answer settles exactly as the same answer sent complete (`settleToolCalls`).
 * Reasoning deltas become a thinking block (`thinking_delta`s, then a `signature_delta` as it closes) when a
 * signer is given, and are dropped otherwise.
 */
export class AnthropicStreamTranslator {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private textOpen: number | undefined;
  private thinkingOpen: { index: number; text: string } | undefined;
  private readonly assembler = new ToolCallAssembler();
  private readonly scanner: TextToolCallScanner | undefined;
  private finishReason: string | null = null;
  private matchedStop: string | number | null = null;
  private usage: ChatUsage | null = null;
  private outputBytes = 0;
  private lastSentAt = Date.now();
  /** Milliseconds since epoch of the first generated text or tool call. */
  firstTokenAt: number | undefined;

  constructor(
    private readonly send: (frame: string) => void,
    private readonly requestedModel: string,
    private readonly promptTokens: number,
    private readonly options: StreamTranslatorOptions = {},
  ) {
    this.scanner = options.tools?.length ? new TextToolCallScanner() : undefined;
  }

  /** Sends `message_start` once; called early when the request has to queue, so pings can follow it. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.emit('message_start', {
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
    });
  }

  ping(): void {
    if (!this.finished) this.emit('ping', { type: 'ping' });
  }

  /** Translates one upstream chunk. Returns an error message when the chunk reports an upstream failure. */
  chunk(chunk: ChatCompletionChunk): string | undefined {
    this.start();
    if (chunk.error) return chunk.error.message ?? 'upstream reported an error';
    if (chunk.usage) this.usage = withCachedPromptTokens(chunk.usage, chunk.timings) ?? null;
    const choice = chunk.choices?.[0];
    if (!choice) return undefined;
    const delta = choice.delta ?? {};
    const reasoning = reasoningOf(delta);
    if (reasoning && this.options.signer) {
      this.firstTokenAt ??= Date.now();
      this.outputBytes += Buffer.byteLength(reasoning);
      this.thinking(reasoning);
    }
    if (typeof delta.content === 'string' && delta.content.length > 0) {
      this.firstTokenAt ??= Date.now();
      this.outputBytes += Buffer.byteLength(delta.content);
      this.text(this.scanner ? this.scanner.push(delta.content) : delta.content);
    }
    const calls: unknown = delta.tool_calls;
    if (Array.isArray(calls)) {
      for (const call of calls) {
        if (!call || typeof call !== 'object') continue;
        this.firstTokenAt ??= Date.now();
        const args = (call as { function?: { arguments?: unknown } }).function?.arguments;
        this.outputBytes += typeof args === 'string' ? Buffer.byteLength(args) : 0;
        this.assembler.add(call);
      }
    }
    if (this.scanner || this.assembler.size > 0) this.keepAlive();
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    if (choice.stop_reason !== undefined && choice.stop_reason !== null)
      this.matchedStop = choice.stop_reason;
    return undefined;
  }

  /** Whether the upstream said why it stopped (a stream cut before this is a failure, not an answer). */
  get hasFinishReason(): boolean {
    return this.finishReason !== null;
  }

  /** Sends the held text and the tool calls, then `message_delta` and `message_stop`. Returns the usage. */
  finish(): Usage {
    this.start();
    const settled = settleToolCalls({
      structured: this.assembler.result(),
      heldText: this.scanner?.end() ?? '',
      tools: this.options.tools,
      finishReason: this.finishReason,
      textBefore: this.textOpen !== undefined,
    });
    this.text(settled.text);
    this.closeThinking();
    this.closeText();
    for (const use of settled.toolUses) this.toolUse(use);
    const { stopReason, stopSequence } = toStopReason(
      this.finishReason,
      this.matchedStop,
      settled.toolUses.length > 0,
    );
    const usage = toUsage(this.usage, this.promptTokens, Math.ceil(this.outputBytes / 4));
    this.emit('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: stopSequence },
      usage,
    });
    this.emit('message_stop', { type: 'message_stop' });
    this.finished = true;
    return usage;
  }

  /** Ends the stream with an Anthropic `error` event (the upstream failed after the response had started). */
  fail(error: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('error', anthropicErrorBody(error));
  }

  /** Usage counted so far (for the usage record of a failed stream). */
  usageSoFar(): Usage {
    return toUsage(this.usage, this.promptTokens, Math.ceil(this.outputBytes / 4));
  }

  private thinking(text: string): void {
    this.closeText();
    if (!this.thinkingOpen) {
      this.thinkingOpen = { index: this.nextIndex++, text: '' };
      this.emit('content_block_start', {
        type: 'content_block_start',
        index: this.thinkingOpen.index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
    }
    this.thinkingOpen.text += text;
    this.emit('content_block_delta', {
      type: 'content_block_delta',
      index: this.thinkingOpen.index,
      delta: { type: 'thinking_delta', thinking: text },
    });
  }

  /** Closes a thinking block with the signature of all its text (Anthropic sends it last, as here). */
  private closeThinking(): void {
    const t = this.thinkingOpen;
    if (!t) return;
    this.thinkingOpen = undefined;
    this.emit('content_block_delta', {
      type: 'content_block_delta',
      index: t.index,
      delta: { type: 'signature_delta', signature: this.options.signer!.sign(t.text) },
    });
    this.emit('content_block_stop', { type: 'content_block_stop', index: t.index });
  }

  private text(text: string): void {
    if (!text) return;
    this.closeThinking();
    if (this.textOpen === undefined) {
      this.textOpen = this.nextIndex++;
      this.emit('content_block_start', {
        type: 'content_block_start',
        index: this.textOpen,
        content_block: { type: 'text', text: '' },
      });
    }
    this.emit('content_block_delta', {
      type: 'content_block_delta',
      index: this.textOpen,
      delta: { type: 'text_delta', text },
    });
  }

  private closeText(): void {
    if (this.textOpen === undefined) return;
    this.emit('content_block_stop', { type: 'content_block_stop', index: this.textOpen });
    this.textOpen = undefined;
  }

  private toolUse(use: ToolUseBlock): void {
    const index = this.nextIndex++;
    this.emit('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} },
    });
    this.emit('content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(use.input) },
    });
    this.emit('content_block_stop', { type: 'content_block_stop', index });
  }

  /** A ping when nothing has been sent for a while (tool calls and held text are not sent as they come). */
  private keepAlive(): void {
    if (Date.now() - this.lastSentAt >= (this.options.pingIntervalMs ?? 5000)) this.ping();
  }

  private emit(event: string, data: object): void {
    this.lastSentAt = Date.now();
    this.send(sseFrame(event, data));
  }
}
