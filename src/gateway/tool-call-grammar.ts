import type { ChatTool } from './openai/types.js';

/** A JSON Schema as a tool's `parameters` carries it (any shape a client sends; read defensively). */
type Schema = Record<string, unknown>;

/** How the answer may look: only tool calls (a forced choice), or tool calls or prose (`auto`). */
export interface ToolCallGrammarOptions {
  /** True when the request forces a call (`tool_choice: required` or a named function). */
  forced: boolean;
  /** False when the client asked for one call at a time (`parallel_tool_calls: false`). */
  parallel: boolean;
}

/** Most calls one constrained answer may hold: enough for Claude Code's parallel reads, bounded for noise. */
const MAX_PARALLEL_CALLS = 4;

/**
 * A GBNF grammar (llama.cpp's grammar format, grammars/README.md in llama.cpp) that admits only tool calls of the
 * offered tools, each written as `<tool_call>\n{"name": "NAME", "arguments": {…}}\n</tool_call>` — the
 * Hermes/Qwen text form the gateway already reads back into tool calls (`text-tool-calls.ts`) — with arguments
 * that match the tool's JSON schema: property names and types, required properties, `enum`/`const`, `anyOf`,
 * array items, integer bounds (kept inside them, conservatively), string lengths. Keywords a grammar cannot
 * express cheaply (`pattern`, `format`, `allOf` of several, `$ref`) admit any JSON value of the right type or
 * any value; no extra properties are ever written. Without `forced`, an answer that does not begin with `<` is
 * prose and is not constrained. Pure; the gateway sends the result as llama-server's `grammar` request field.
 */
export function toolCallGrammar(tools: readonly ChatTool[], options: ToolCallGrammarOptions): string {
  const g = new GrammarBuilder();
  const calls = tools.map((tool, i) => {
    const args = g.schema(`tool${i}-args`, objectSchema(tool.function.parameters));
    return `${literal(`{"name": ${JSON.stringify(tool.function.name)}, "arguments": `)} ${args} ${literal('}')}`;
  });
  g.rule('call', `${literal('<tool_call>\n')} (${calls.join(' | ')}) ${literal('\n</tool_call>')}`);
  const many = options.parallel ? ` (${literal('\n')} call){0,${MAX_PARALLEL_CALLS - 1}}` : '';
  g.rule('calls', `call${many}`);
  if (options.forced) g.rule('root', 'calls');
  else {
    // Prose may not start with `<`, so an answer that opens a call must finish it as the grammar says.
    g.rule('prose', '[^<\\x00] [^\\x00]*');
    g.rule('root', 'calls | prose');
  }
  return g.text();
}

/** A tool's parameters as an object schema (an absent or odd one admits any object). */
function objectSchema(parameters: unknown): Schema {
  return parameters && typeof parameters === 'object' && !Array.isArray(parameters)
    ? (parameters as Schema)
    : { type: 'object' };
}

/** A GBNF string literal for `text`. */
function literal(text: string): string {
  return `"${text.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`;
}

/** The JSON building blocks every grammar shares; arguments are written without optional whitespace. */
const JSON_RULES: Record<string, string> = {
  value: 'object | array | string | number | "true" | "false" | "null"',
  object: '"{" ( string ": " value ( ", " string ": " value )* )? "}"',
  array: '"[" ( value ( ", " value )* )? "]"',
  string: '"\\"" char* "\\""',
  char: '[^"\\\\\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )',
  number: 'integer ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?',
  integer: '"-"? ( "0" | [1-9] [0-9]* )',
  boolean: '"true" | "false"',
  null: '"null"',
};

class GrammarBuilder {
  private readonly rules = new Map<string, string>();

  rule(name: string, body: string): string {
    this.rules.set(name, body);
    return name;
  }

  /** The rule (or expression) that admits exactly the JSON values `schema` allows, within this grammar's reach. */
  schema(name: string, schema: unknown): string {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return 'value';
    const s = schema as Schema;
    if ('const' in s) return this.rule(name, literal(JSON.stringify(s.const)));
    if (Array.isArray(s.enum) && s.enum.length > 0)
      return this.rule(name, s.enum.map((v) => literal(JSON.stringify(v))).join(' | '));
    const alternatives = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined) as
      | unknown[]
      | undefined;
    if (alternatives?.length)
      return this.rule(name, alternatives.map((a, i) => this.schema(`${name}-${i}`, a)).join(' | '));
    if (Array.isArray(s.allOf) && s.allOf.length === 1) return this.schema(name, s.allOf[0]);
    if (Array.isArray(s.type))
      return this.rule(
        name,
        s.type.map((t, i) => this.schema(`${name}-${i}`, { ...s, type: t })).join(' | '),
      );
    switch (s.type) {
      case 'object':
        return this.object(name, s);
      case 'array':
        return this.array(name, s);
      case 'string':
        return this.string(name, s);
      case 'integer':
      case 'number':
        return this.number(name, s);
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      default:
        // No type: an object schema in all but name when it lists properties, else anything.
        return s.properties && typeof s.properties === 'object' ? this.object(name, s) : 'value';
    }
  }

  /**
   * Properties in the schema's order, required ones always and optional ones maybe, commas only between
   * the ones written: rule `NAME-iS` writes properties i… given whether one was written before (S = c) or not.
   */
  private object(name: string, s: Schema): string {
    const properties = s.properties && typeof s.properties === 'object' ? Object.entries(s.properties) : [];
    // A tool without parameters (`additionalProperties: false`, nothing listed) takes exactly `{}`.
    if (properties.length === 0) return s.additionalProperties === false ? this.rule(name, '"{}"') : 'object';
    const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
    const kv = properties.map(
      ([key, sub], i) =>
        `${literal(`${JSON.stringify(key)}: `)} ${this.schema(`${name}-${slug(key, i)}`, sub)}`,
    );
    const rest = (i: number, started: boolean) =>
      i === properties.length ? '' : `${name}-${i}${started ? 'c' : 'f'}`;
    for (let i = properties.length - 1; i >= 0; i--) {
      for (const started of [false, true]) {
        const write = `${started ? `${literal(', ')} ` : ''}${kv[i]} ${rest(i + 1, true)}`.trim();
        const skip = rest(i + 1, started) || '""';
        this.rule(
          `${name}-${i}${started ? 'c' : 'f'}`,
          required.has(properties[i]![0]) ? write : `${write} | ${skip}`,
        );
      }
    }
    return this.rule(name, `"{" ${rest(0, false)} "}"`);
  }

  private array(name: string, s: Schema): string {
    const item = this.schema(`${name}-item`, s.items);
    const min = typeof s.minItems === 'number' && s.minItems > 0;
    const items = `${item} ( ", " ${item} )*`;
    return this.rule(name, min ? `"[" ${items} "]"` : `"[" ( ${items} )? "]"`);
  }

  private string(name: string, s: Schema): string {
    const min = typeof s.minLength === 'number' ? Math.max(0, Math.floor(s.minLength)) : 0;
    const max = typeof s.maxLength === 'number' ? Math.floor(s.maxLength) : undefined;
    if (min === 0 && max === undefined) return 'string';
    return this.rule(name, `"\\"" char{${min},${max ?? ''}} "\\""`);
  }

  /**
   * Integers within the schema's bounds, conservatively: a lower bound above 0 drops the zero, a finite one
   * the sign, an upper bound caps the digit count below it (100 allows 0–99, 9 allows exactly 0–9); a lower
   * bound of 2 or more, or an upper one below 0, gives the bound itself. Bounded numbers are written as such
   * integers, which are valid numbers.
   */
  private number(name: string, s: Schema): string {
    const num = (k: string) =>
      typeof s[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number) : undefined;
    const exMin = num('exclusiveMinimum');
    const exMax = num('exclusiveMaximum');
    const lo = Math.max(num('minimum') ?? -Infinity, exMin !== undefined ? Math.floor(exMin) + 1 : -Infinity);
    const hi = Math.min(num('maximum') ?? Infinity, exMax !== undefined ? Math.ceil(exMax) - 1 : Infinity);
    const unbounded = s.type === 'integer' ? 'integer' : 'number';
    if ((lo === -Infinity && hi === Infinity) || Math.ceil(lo) > Math.floor(hi)) return unbounded;
    if (lo >= 2) return this.rule(name, literal(String(Math.ceil(lo))));
    if (hi < 0) return this.rule(name, literal(String(Math.floor(hi))));
    const least = lo > 0 ? 1 : 0;
    if (hi < 10) return this.rule(name, `[${least}-${Math.floor(hi)}]`);
    const digits = hi === Infinity ? undefined : String(Math.floor(hi)).length;
    const tail = digits === undefined ? ' [0-9]*' : digits > 2 ? ` [0-9]{0,${digits - 2}}` : '';
    const nonNegative = least === 1 ? `[1-9]${tail}` : `"0" | [1-9]${tail}`;
    return this.rule(name, lo === -Infinity ? `"-"? ( ${nonNegative} )` : nonNegative);
  }

  text(): string {
    const own = [...this.rules].map(([n, b]) => `${n} ::= ${b}`);
    const shared = Object.entries(JSON_RULES).map(([n, b]) => `${n} ::= ${b}`);
    return [...own, ...shared].join('\n');
  }
}

/** A property name as part of a rule name (GBNF rule names are letters, digits and dashes). */
function slug(key: string, i: number): string {
  const s = key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${i}${s ? `-${s}` : ''}`;
}
