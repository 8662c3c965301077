/**
 * The smoke model's tokenizer: a llama (SentencePiece) vocabulary with byte fallback only, so any text
 * tokenizes (each UTF-8 byte becomes its `<0xNN>` token) with no merges or pieces to ship.
 * Token types are llama.cpp's `enum llama_token_type` (include/llama.h): NORMAL 1, UNKNOWN 2, CONTROL 3,
 * USER_DEFINED 4, UNUSED 5, BYTE 6.
 */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface SmokeVocabulary {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
  unkId: number;
  bosId: number;
  eosId: number;
  /** `<|im_end|>`: ends a chat turn (llama.cpp treats it as end-of-generation). */
  eotId: number;
  /** Id of the `<0xNN>` token for byte NN. */
  byteTokenId: (byte: number) => number;
}

const CHAT_CONTROL_TOKENS = ['<|im_start|>', '<|im_end|>'];

/** Builds the vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then the ChatML control tokens. */
export function smokeVocabulary(): SmokeVocabulary {
  const tokens = ['<unk>', '<s>', '</s>'];
  const tokenTypes: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const firstByte = tokens.length;
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    tokenTypes.push(TOKEN_TYPE.byte);
  }
  for (const control of CHAT_CONTROL_TOKENS) {
    tokens.push(control);
    tokenTypes.push(TOKEN_TYPE.control);
  }
  return {
    tokens,
    scores: tokens.map(() => 0),
    tokenTypes,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    eotId: tokens.indexOf('<|im_end|>'),
    byteTokenId: (byte) => firstByte + byte,
  };
}

/**
 * A ChatML chat template in the Jinja subset llama.cpp's `--jinja` renderer supports. It lists tools in a
 * system turn and renders assistant tool calls and tool results, so requests with `tools` render instead of
 * failing; content may be null (assistant turns that only call tools). Every newline is a string literal
 * because chat templates render with trim_blocks, which drops a newline that follows a block tag.
 */
export const SMOKE_CHAT_TEMPLATE = [
  "{% if tools %}{{ '<|im_start|>system\\n' }}",
  "{% if messages[0].role == 'system' and messages[0].content is string %}{{ messages[0].content + '\\n\\n' }}{% endif %}",
  "{{ 'You may call these tools:\\n' }}{% for tool in tools %}{{ tool | tojson }}{{ '\\n' }}{% endfor %}",
  "{{ '<|im_end|>\\n' }}{% endif %}",
  '{% for message in messages %}',
  "{% if not (tools and loop.first and message.role == 'system') %}",
  "{{ '<|im_start|>' + message.role + '\\n' }}",
  '{% if message.content is string %}{{ message.content }}{% endif %}',
  '{% if message.tool_calls %}{% for call in message.tool_calls %}',
  '{{ \'\\n{"name": "\' + call.function.name + \'", "arguments": \' }}{{ call.function.arguments | tojson }}{{ \'}\' }}',
  '{% endfor %}{% endif %}',
  "{{ '<|im_end|>\\n' }}{% endif %}",
  '{% endfor %}',
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
].join('');
