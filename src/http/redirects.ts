/**
 * Where a redirect leads (pure), as fetch does it (WHATWG Fetch, "HTTP-redirect fetch"): 303 turns any method
 * but HEAD into GET, 301 and 302 turn POST into GET, 307 and 308 keep method and body; a body is dropped when the
 * method changes. Credentials stay with the origin that was asked: the hub redirects LFS files to a CDN that must
 * never see the token.
 */
export interface RedirectStep {
  url: URL;
  method: string;
  headers: Record<string, string>;
  keepBody: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: sent to the first origin only. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** The next request for a redirect answer, or undefined when `status`/`location` is not a redirect to follow. */
export function redirectStep(
  firstOrigin: string,
  current: URL,
  status: number,
  location: string | undefined,
  method: string,
  headers: Record<string, string>,
): RedirectStep | undefined {
  if (!REDIRECT_STATUSES.has(status) || !location) return undefined;
  const url = new URL(location, current);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const toGet =
    (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (url.origin !== firstOrigin && CREDENTIAL_HEADERS.has(lower)) continue;
    if (toGet && (lower === 'content-type' || lower === 'content-length')) continue;
    next[name] = value;
  }
  return { url, method: toGet ? 'GET' : method, headers: next, keepBody: !toGet };
}
