import type { IncomingHttpHeaders } from 'node:http';
import { HttpClient, HttpError } from '../../http/http-client.js';
import { GatewayError } from '../gateway-error.js';
import { type UpstreamAnswer, upstreamAnswer } from '../upstream-answer.js';

/** The Anthropic SDK's default request timeout (`DEFAULT_TIMEOUT`, 10 minutes, in its client). */
const CLOUD_ANSWER_LIMIT_MS = 600_000;

/**
 * Anthropic's Messages API as an upstream: requests go out as they came in (the cloud speaks the client's
 * protocol), with the operator's key instead of the client's. The key is held here and never logged.
 */
export class AnthropicCloud {
  private readonly base: URL;
  private readonly client = new HttpClient({ connections: 64 });

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    private readonly anthropicVersion: string,
    /** How long the cloud may stay silent before its answer begins, and within it. */
    private readonly answerLimitMs = CLOUD_ANSWER_LIMIT_MS,
  ) {
    this.base = new URL(baseUrl);
  }

  /**
   * POSTs to `/v1/messages`; resolves on response headers. A connection failure is an `upstream`
   * GatewayError whose `cause` is the HTTP layer's error (its `kind` says whether the cloud is unreachable).
   * The limits are the Anthropic SDK's own request timeout, 10 minutes, for the head and for each silence in the
   * body: a long non-streamed answer takes minutes, and a stream sends `ping` events well within that, so only a
   * cloud that has stopped answering is cut.
   */
  async postMessages(
    body: string,
    clientHeaders: IncomingHttpHeaders,
    signal: AbortSignal,
  ): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-api-key': this.apiKey,
      'anthropic-version': String(clientHeaders['anthropic-version'] ?? this.anthropicVersion),
    };
    // Beta flags change the API's behaviour the client relies on (Claude Code sends several).
    if (clientHeaders['anthropic-beta']) headers['anthropic-beta'] = String(clientHeaders['anthropic-beta']);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    try {
      const res = await this.client.stream(`${this.base.origin}${prefix}/v1/messages`, {
        method: 'POST',
        headers,
        body,
        signal,
        headersTimeoutMs: this.answerLimitMs,
        bodyIdleTimeoutMs: this.answerLimitMs,
      });
      return upstreamAnswer(res, 'cloud API', (error) =>
        cloudFailure('connection lost', error, this.answerLimitMs),
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      if (error instanceof HttpError) throw cloudFailure('unreachable', error, this.answerLimitMs);
      throw error;
    }
  }

  close(): void {
    void this.client.destroy().catch(() => undefined);
  }
}

function cloudFailure(what: string, error: HttpError, limitMs: number): GatewayError {
  if (error.kind === 'headers-timeout' || error.kind === 'body-timeout') {
    const when = error.kind === 'headers-timeout' ? 'did not answer' : 'sent nothing';
    return new GatewayError('overloaded', `cloud API ${when} for ${limitMs / 1000} s`, {
      retryAfterS: 5,
      cause: error,
    });
  }
  return new GatewayError('upstream', `cloud API ${what}: ${error.code ?? error.message}`, { cause: error });
}
