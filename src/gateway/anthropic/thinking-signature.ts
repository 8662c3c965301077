import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'ops1.';

/**
 * Signs the thinking blocks the gateway makes from a local model's reasoning, so that when a client sends
 * them back (Claude Code returns the previous turn's thinking, as Anthropic's API requires with tool use)
 * the gateway can tell its own reasoning from text a client made up before handing it to the engine. An
 * HMAC-SHA256 under a key of the gateway process: after a restart old signatures no longer verify, and
 * their thinking is simply not passed back (never an error: that would stop the session).
 */
export class ThinkingSigner {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  sign(thinking: string): string {
    return PREFIX + this.mac(thinking).toString('base64url');
  }

  verify(thinking: string, signature: string): boolean {
    if (!signature.startsWith(PREFIX)) return false;
    const given = Buffer.from(signature.slice(PREFIX.length), 'base64url');
    const want = this.mac(thinking);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private mac(thinking: string): Buffer {
    return createHmac('sha256', this.key).update(thinking, 'utf8').digest();
  }
}
