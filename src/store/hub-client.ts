import { DownloadError } from './store-errors.js';
import { type StoreGetOptions, storeGetJson } from './store-http.js';
import type { RemoteFile } from './types.js';

/**
 * A client for the Hugging Face hub's HTTP API, or any mirror of it. Honours the variables huggingface_hub users
 * already set (https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables):
 * `HF_ENDPOINT` (default https://huggingface.co) and `HF_TOKEN` (sent as `Authorization: Bearer`).
 */
export interface HubConfig {
  endpoint: string;
  token: string | undefined;
}

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** The hub to talk to, from the environment. */
export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  // HUGGING_FACE_HUB_TOKEN is the older name huggingface_hub still reads.
  const token = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || undefined;
  return { endpoint, token };
}

/** Request headers for the hub (the token, when there is one). */
export function hubHeaders(config: HubConfig): Record<string, string> {
  return config.token ? { authorization: `Bearer ${config.token}` } : {};
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}`: the download URL (the hub redirects LFS files to its CDN). */
export function resolveUrl(config: HubConfig, repo: string, revision: string, path: string): string {
  return `${config.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/** The commit a revision (branch, tag or commit) points at now: `GET /api/models/{repo}/revision/{revision}`. */
export async function resolveCommit(
  config: HubConfig,
  repo: string,
  revision: string,
  options: StoreGetOptions = {},
): Promise<string> {
  const url = `${config.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const { json } = await storeGetJson<{ sha?: unknown }>(url, { ...options, headers: hubHeaders(config) });
  if (typeof json.sha !== 'string' || !/^[0-9a-f]{40}$/.test(json.sha)) {
    throw new DownloadError(`${url} gave no commit sha`, {
      hint: 'check that HF_ENDPOINT is a hub or a mirror of it',
    });
  }
  return json.sha;
}

interface TreeItem {
  type?: string;
  path?: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

/**
 * Every file of a repo at a commit, with sizes and the LFS sha256: `GET /api/models/{repo}/tree/{rev}?recursive=true`.
 * The hub pages long listings with a `Link: <…>; rel="next"` header; every page is followed.
 */
export async function listRepoFiles(
  config: HubConfig,
  repo: string,
  commit: string,
  options: StoreGetOptions = {},
): Promise<Array<RemoteFile & { gitOid: string | undefined }>> {
  let url: string | undefined =
    `${config.endpoint}/api/models/${repo}/tree/${encodeURIComponent(commit)}?recursive=true`;
  const files: Array<RemoteFile & { gitOid: string | undefined }> = [];
  while (url) {
    const { json, res } = await storeGetJson<TreeItem[]>(url, { ...options, headers: hubHeaders(config) });
    if (!Array.isArray(json)) throw new DownloadError(`${url} did not answer a file list`);
    for (const item of json) {
      if (item.type !== 'file' || typeof item.path !== 'string') continue;
      const lfsSha = item.lfs?.oid;
      files.push({
        path: item.path,
        bytes: item.lfs?.size ?? item.size ?? 0,
        sha256: typeof lfsSha === 'string' && /^[0-9a-f]{64}$/.test(lfsSha) ? lfsSha : undefined,
        gitOid: item.lfs ? undefined : item.oid,
      });
    }
    url = nextLink(res.headers.link, url);
  }
  return files;
}

function nextLink(header: string | string[] | undefined, base: string): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  const match = value ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(value) : null;
  return match ? new URL(match[1]!, base).href : undefined;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
