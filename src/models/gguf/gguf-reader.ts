import { open } from 'node:fs/promises';
import { OpsError } from '../../core/errors.js';
import { type LlamaFileTypeInfo, llamaFileTypeInfo } from './ggml-types.js';
import { GgufError } from './gguf-error.js';
import { type GgufHeader, NeedMoreBytes, parseGgufHeader } from './gguf-parser.js';

export type { GgufHeader, GgufTensorInfo } from './gguf-parser.js';

/** A GGUF file's header, with what can be derived from it without reading the weights. */
export interface GgufFile extends GgufHeader {
  path: string;
  fileBytes: number;
  /** Sum of the tensors' exact sizes (what the weights take in memory when loaded unchanged). */
  tensorBytes: number;
  /** `general.architecture` (llama, qwen2, qwen3moe…), when present. */
  architecture: string | undefined;
  /** `general.file_type` decoded; undefined when absent or unknown (then `fileTypeId` says which). */
  fileType: LlamaFileTypeInfo | undefined;
  fileTypeId: number | undefined;
}

/** Headers are read in growing prefixes: most fit in the first read, large vocabularies take a few more. */
const FIRST_READ_BYTES = 4 << 20;

/**
 * Reads and checks the header of a GGUF file (metadata and tensor infos), reading only the header bytes, never
 * the weights. Throws GgufError (with `problem`) when the file is not a complete, readable GGUF.
 */
export async function readGgufFile(path: string): Promise<GgufFile> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new OpsError(`cannot open model file ${path}${code ? ` (${code})` : ''}`, {
      cause,
      hint: code === 'ENOENT' ? 'check the path of the model file' : undefined,
    });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new OpsError(`${path} is not a regular file`, { hint: 'pass the path of a .gguf file' });
    const fileBytes = stat.size;
    let buf: Buffer = Buffer.alloc(0);
    let want = Math.min(FIRST_READ_BYTES, fileBytes);
    for (;;) {
      buf = await readMore(handle, buf, want);
      try {
        const header = parseGgufHeader(buf, fileBytes, path);
        return describe(path, fileBytes, header);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes)) throw error;
        want = Math.min(fileBytes, Math.max(error.needed, buf.length * 2));
      }
    }
  } finally {
    await handle.close();
  }
}

async function readMore(
  handle: Awaited<ReturnType<typeof open>>,
  have: Buffer,
  want: number,
): Promise<Buffer> {
  const buf = Buffer.alloc(want);
  have.copy(buf);
  let filled = have.length;
  while (filled < want) {
    const { bytesRead } = await handle.read(buf, filled, want - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

function describe(path: string, fileBytes: number, header: GgufHeader): GgufFile {
  const arch = header.metadata['general.architecture'];
  const ft = header.metadata['general.file_type'];
  const fileTypeId = ft && (ft.type === 'uint32' || ft.type === 'int32') ? ft.value : undefined;
  if (arch !== undefined && arch.type !== 'string') {
    throw new GgufError(path, 'corrupt', `general.architecture is a ${arch.type}, expected a string`);
  }
  return {
    ...header,
    path,
    fileBytes,
    tensorBytes: header.tensors.reduce((sum, t) => sum + t.bytes, 0),
    architecture: arch?.value,
    fileType: fileTypeId === undefined ? undefined : llamaFileTypeInfo(fileTypeId),
    fileTypeId,
  };
}
