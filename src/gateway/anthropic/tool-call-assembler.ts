/** One tool-call fragment as OpenAI-compatible servers send it, in a stream delta or a complete message. */
export interface ToolCallFragment {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: unknown };
}

/** A tool call put together from its fragments. */
export interface AssembledToolCall {
  id: string | undefined;
  name: string | undefined;
  /** The argument text, concatenated in arrival order (an object sent whole is serialised). */
  arguments: string;
}

interface Building extends AssembledToolCall {
  index: number;
}

/**
 * Puts tool calls together from fragments, following ids as well as indexes. Servers differ: llama.cpp and
 * vLLM send one header (index, id, name) then argument pieces under the same index; Ollama's OpenAI API and
 * some others reuse `index: 0` for every parallel call, each with a new id (DESIGN.md §4); pieces of two
 * calls may interleave, and a piece may come before its call's header. So a fragment joins the latest call
 * at its index unless it carries a different id than that call already has (or a different name once that
 * call has arguments), which starts a new call; fragments are all kept until the answer ends, in the order
 * their calls first appeared.
 */
export class ToolCallAssembler {
  private readonly calls: Building[] = [];
  private readonly latestByIndex = new Map<number, Building>();

  get size(): number {
    return this.calls.length;
  }

  add(fragment: ToolCallFragment): void {
    const index = typeof fragment.index === 'number' ? fragment.index : 0;
    const id = typeof fragment.id === 'string' && fragment.id ? fragment.id : undefined;
    const name =
      typeof fragment.function?.name === 'string' && fragment.function.name
        ? fragment.function.name
        : undefined;
    let call = this.latestByIndex.get(index);
    const startsNew =
      !call ||
      (id !== undefined && call.id !== undefined && id !== call.id) ||
      (name !== undefined && call.name !== undefined && name !== call.name && call.arguments !== '');
    if (startsNew) {
      call = { index, id: undefined, name: undefined, arguments: '' };
      this.calls.push(call);
      this.latestByIndex.set(index, call);
    }
    call = call!;
    call.id ??= id;
    call.name ??= name;
    const args = fragment.function?.arguments;
    if (typeof args === 'string') call.arguments += args;
    else if (args && typeof args === 'object') call.arguments += JSON.stringify(args);
  }

  /** The calls, in the order they first appeared. */
  result(): AssembledToolCall[] {
    return this.calls.map(({ id, name, arguments: a }) => ({ id, name, arguments: a }));
  }
}
