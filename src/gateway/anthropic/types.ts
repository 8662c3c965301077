/**
 * The parts of the Anthropic Messages API the gateway translates (docs.anthropic.com/en/api/messages).
 * Block types the gateway does not model are kept as `{ type: string }` and handled explicitly.
 */
export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: unknown;
}

export interface ImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | (TextBlock | ImageBlock | DocumentBlock | { type: string })[];
  is_error?: boolean;
}

export interface ThinkingBlock {
  type: 'thinking' | 'redacted_thinking';
  thinking?: string;
  signature?: string;
}

export interface DocumentBlock {
  type: 'document';
  source: { type: string; media_type?: string; data?: string; content?: (TextBlock | { type: string })[] };
}

export type ContentBlock =
  | TextBlock
  | ImageBlock
  | ToolUseBlock
  | ToolResultBlock
  | ThinkingBlock
  | DocumentBlock;

export interface MessageParam {
  /** Claude Code (2.1+) also sends `system` turns inside the conversation. */
  role: 'user' | 'assistant' | 'system';
  content: string | ContentBlock[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  input_schema?: unknown;
  type?: string;
}

export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface MessagesRequest {
  model: string;
  messages: MessageParam[];
  max_tokens: number;
  system?: string | TextBlock[];
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  thinking?: unknown;
  metadata?: unknown;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
}

export interface MessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: (ThinkingBlock | TextBlock | ToolUseBlock)[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: Usage;
}
