import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { GatewayError } from '../gateway-error.js';

/**
 * Anthropic's Messages API as an upstream: requests go out as they came in (the cloud speaks the client's
 * protocol), with the operator's key instead of the client's. The key is held here and never logged.
 */
export class AnthropicCloud {
  private readonly base: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    private readonly anthropicVersion: string,
  ) {
    this.base = new URL(baseUrl);
    const secure = this.base.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 64 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * POSTs to `/v1/messages`; resolves on response headers. A connection failure is an `upstream`
   * GatewayError whose `cause` carries the socket error code.
   */
  postMessages(
    body: string,
    clientHeaders: IncomingHttpHeaders,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      accept: 'application/json, text/event-stream',
      'x-api-key': this.apiKey,
      'anthropic-version':
        (clientHeaders['anthropic-version'] as string | undefined) ?? this.anthropicVersion,
    };
    // Beta flags change the API's behaviour the client relies on (Claude Code sends several).
    if (clientHeaders['anthropic-beta']) headers['anthropic-beta'] = clientHeaders['anthropic-beta'];
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || (this.base.protocol === 'https:' ? 443 : 80),
          method: 'POST',
          path: `${prefix}/v1/messages`,
          headers,
          agent: this.agent,
          signal,
        },
        resolve,
      );
      req.on('error', (error) => {
        if (signal.aborted) reject(signal.reason ?? error);
        else
          reject(
            new GatewayError(
              'upstream',
              `cloud API unreachable: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
              { cause: error },
            ),
          );
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
