/** How busy one upstream is: requests admitted or waiting, against its slots. */
export interface UpstreamLoad {
  busy: number;
  slots: number;
}

/**
 * Chooses which data-parallel copy of a model serves a request (planner/replicas.ts plans the copies; a Plan marks
 * them with `replicaOf`). A session stays on the copy it used last: that copy's engine holds its prompt in cache
 * (llama.cpp `cache_prompt`, vLLM prefix caching), and Claude Code's next turn repeats the whole ~20K-token prefix,
 * so moving it costs a full prompt pass. A new session, or one whose copy is full while another has a free slot,
 * goes to the least busy copy (busy / slots, then fewest busy, then Plan order). Sessions are remembered up to a
 * bound, oldest forgotten first.
 */
export class ReplicaBalancer {
  private readonly sessions = new Map<string, string>();
  private static readonly MAX_SESSIONS = 4096;

  constructor(private readonly load: (upstream: string) => UpstreamLoad) {}

  pick(members: readonly string[], session: string | undefined): string {
    const first = members[0];
    if (first === undefined) throw new Error('a replica group needs at least one member');
    const loads = new Map(members.map((m) => [m, this.load(m)]));
    const free = (m: string) => {
      const l = loads.get(m);
      return l !== undefined && l.busy < l.slots;
    };
    const known = session === undefined ? undefined : this.sessions.get(session);
    let chosen =
      known !== undefined && members.includes(known) && (free(known) || !members.some(free))
        ? known
        : undefined;
    chosen ??= [...members].sort((a, b) => {
      const x = loads.get(a) ?? { busy: 0, slots: 1 };
      const y = loads.get(b) ?? { busy: 0, slots: 1 };
      return (
        x.busy / Math.max(1, x.slots) - y.busy / Math.max(1, y.slots) ||
        x.busy - y.busy ||
        members.indexOf(a) - members.indexOf(b)
      );
    })[0] as string;
    if (session !== undefined) {
      this.sessions.delete(session);
      this.sessions.set(session, chosen);
      if (this.sessions.size > ReplicaBalancer.MAX_SESSIONS)
        this.sessions.delete(this.sessions.keys().next().value as string);
    }
    return chosen;
  }
}
