/**
 * Domain types of the model store: where a model came from, what the manifest records for each file, and the
 * remote files a source offers.
 */

/** Where a stored file came from (kept in the manifest so `ops models list` can say, and re-pulls can match). */
export type BlobSource =
  | { kind: 'hub'; endpoint: string; repo: string }
  | { kind: 'url'; url: string }
  | { kind: 'local'; path: string }
  | { kind: 'quantize'; from: string; fileType: string };

/** One manifest entry: model id + variant + revision + file → one content-addressed blob. */
export interface ManifestEntry {
  /** Model id: the hub repo (`Qwen/Qwen2.5-Coder-7B-Instruct-GGUF`), a URL's host/path, or a local name. */
  id: string;
  /** Quantization or flavour (`Q4_K_M`, `F16`, `default`). */
  variant: string;
  /** Commit the hub resolved, an ETag for URLs, `local` for files copied in. */
  revision: string;
  /** Path of the file inside its repo (or its base name). */
  file: string;
  sha256: string;
  bytes: number;
  source: BlobSource;
  addedAt: string;
  /** Named holders (e.g. `plan:default`) that keep the blob alive besides the Plan files. */
  holders: string[];
}

/** A manifest entry with where its blob lies and how many things use it. */
export interface StoredModel extends ManifestEntry {
  path: string;
  /** Holders plus Plan engines that point at the blob. */
  refs: number;
}

/** A file a remote source offers, as the hub's tree API describes it. */
export interface RemoteFile {
  path: string;
  bytes: number;
  /** sha256 of the content (the LFS oid); undefined for small non-LFS files (the hub gives a git oid there). */
  sha256: string | undefined;
}
