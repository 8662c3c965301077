import { HttpError, type HttpHeaders, type HttpStream } from '../http/http-client.js';
import { GatewayError } from './gateway-error.js';

/**
 * An upstream's answer as the handlers read it (an engine's or the cloud's): status and headers at once, the
 * body streamed or whole. Every failure while reading it is already a GatewayError, so a handler reports it
 * without knowing the HTTP layer.
 */
export interface UpstreamAnswer {
  status: number;
  headers: HttpHeaders;
  /** The body as UTF-8 text in the pieces it arrives in (a stream is relayed as it comes). */
  chunks: () => AsyncGenerator<string>;
  /** The whole body as text (upstream JSON answers are small next to the work behind them). */
  text: (maxBytes?: number) => Promise<string>;
  /** Reads the rest of the body and throws it away (an answer the gateway will not use). */
  discard: () => void;
  /** Drops the answer mid-body: the upstream sees the connection close and stops working on it. */
  destroy: () => void;
}

/** Wraps the HTTP layer's answer; `translate` says what a transport failure while reading it means here. */
export function upstreamAnswer(
  res: HttpStream,
  who: string,
  translate: (error: HttpError) => GatewayError,
): UpstreamAnswer {
  const mapped = (error: unknown): unknown => (error instanceof HttpError ? translate(error) : error);
  return {
    status: res.status,
    headers: res.headers,
    chunks: async function* () {
      try {
        yield* res.chunks();
      } catch (error) {
        throw mapped(error);
      }
    },
    text: async (maxBytes = 64 * 1024 * 1024) => {
      try {
        return await res.text(maxBytes);
      } catch (error) {
        if (error instanceof HttpError) throw translate(error);
        throw new GatewayError('upstream', `${who} answered more than ${maxBytes} bytes`, { cause: error });
      }
    },
    discard: () => void res.dump().catch(() => undefined),
    destroy: () => res.destroy(),
  };
}
