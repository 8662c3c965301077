import { createHash } from 'node:crypto';

/**
 * Keeps each conversation on the same llama.cpp slot. llama-server keeps a slot's KV cache after a request
 * and reuses its longest common prefix with the next prompt in that slot (`cache_prompt`, on by default), so
 * a Claude Code session's turn N+1 re-reads only what turn N added — if it lands in the same slot. Left to
 * itself the engine picks a free slot by prompt similarity (`--slot-prompt-similarity`), which several
 * sessions sharing Claude Code's ~20K-token system prompt defeat. Requests name the slot with `id_slot`
 * (llama.cpp tools/server/README.md). A session whose slot is busy takes a free one (preferring slots no
 * live session owns), so no request waits for affinity's sake.
 */
export class SlotAffinity {
  private readonly owner = new Map<string, number>();
  private busy: boolean[];
  private lastUsed: number[];
  private clock = 0;
  private static readonly MAX_SESSIONS = 4096;

  constructor(slots: number) {
    this.busy = Array.from({ length: Math.max(1, slots) }, () => false);
    this.lastUsed = this.busy.map(() => 0);
  }

  /** Changes the slot count (a reloaded Plan); sessions on slots that no longer exist are forgotten. */
  resize(slots: number): void {
    const n = Math.max(1, slots);
    this.busy = Array.from({ length: n }, (_, i) => this.busy[i] ?? false);
    this.lastUsed = Array.from({ length: n }, (_, i) => this.lastUsed[i] ?? 0);
    for (const [key, slot] of this.owner) if (slot >= n) this.owner.delete(key);
  }

  /** The slot for a session's request, marked busy until `release`; undefined when every slot is busy. */
  acquire(session: string): number | undefined {
    let slot = this.owner.get(session);
    if (slot === undefined || this.busy[slot]) slot = this.freeSlot();
    if (slot === undefined) return undefined;
    this.busy[slot] = true;
    this.lastUsed[slot] = ++this.clock;
    this.owner.delete(session);
    this.owner.set(session, slot);
    if (this.owner.size > SlotAffinity.MAX_SESSIONS) this.owner.delete(this.owner.keys().next().value!);
    return slot;
  }

  release(slot: number): void {
    if (slot < this.busy.length) this.busy[slot] = false;
  }

  /** A free slot: one no session owns if any, else the one used longest ago (its cache is the stalest). */
  private freeSlot(): number | undefined {
    const owned = new Set(this.owner.values());
    let best: number | undefined;
    for (let i = 0; i < this.busy.length; i++) {
      if (this.busy[i]) continue;
      if (!owned.has(i)) return i;
      if (best === undefined || this.lastUsed[i]! < this.lastUsed[best]!) best = i;
    }
    return best;
  }
}

/**
 * Which conversation a Messages request belongs to: Claude Code's `metadata.user_id` names its session;
 * other clients are told apart by their system prompt and first message, which stay the same all along.
 */
export function sessionKey(request: { metadata?: unknown; system?: unknown; messages: unknown[] }): string {
  const userId = (request.metadata as { user_id?: unknown } | undefined)?.user_id;
  if (typeof userId === 'string' && userId) return `u:${userId.slice(0, 300)}`;
  const hash = createHash('sha256');
  hash.update(JSON.stringify(request.system ?? ''));
  hash.update(JSON.stringify(request.messages[0] ?? ''));
  return `h:${hash.digest('base64url')}`;
}
