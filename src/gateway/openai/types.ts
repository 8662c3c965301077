import type { EngineTimings } from '../cached-prompt-tokens.js';
/**
 * The parts of the OpenAI chat completions API the gateway reads or writes
 * (platform.openai.com/docs/api-reference/chat). Unknown fields pass through untouched.
 */
export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; reasoning_content?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: unknown };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string | string[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  [extra: string]: unknown;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  model: string;
  choices: {
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      reasoning_content?: string | null;
      /** gpt-oss and newer vLLM name the field this way. */
      reasoning?: string | null;
      tool_calls?: ChatToolCall[];
    };
    finish_reason: string | null;
    /** vLLM: the stop string (or token id) that ended generation. */
    stop_reason?: string | number | null;
  }[];
  usage?: ChatUsage;
  /** llama-server's timings (its `cache_n` is the prompt tokens reused from the slot). */
  timings?: EngineTimings;
}

export interface ChatCompletionChunk {
  id?: string;
  object?: 'chat.completion.chunk';
  model?: string;
  choices?: {
    index: number;
    delta: {
      role?: string;
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: {
        index: number;
        id?: string;
        type?: 'function';
        function?: { name?: string; arguments?: string };
      }[];
    };
    finish_reason?: string | null;
    stop_reason?: string | number | null;
  }[];
  usage?: ChatUsage | null;
  /** llama-server's timings (its `cache_n` is the prompt tokens reused from the slot). */
  timings?: EngineTimings;
  /** llama.cpp and vLLM report a failure inside the stream this way. */
  error?: { message?: string; type?: string; code?: number | string };
}
