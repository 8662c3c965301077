import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpsError } from '../../core/errors.js';
import { ggmlTensorBytes, ggmlTypeInfo, ggmlTypeName } from './ggml-types.js';
import {
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_SCALAR_BYTES,
  GGUF_VALUE_TYPE_IDS,
  GGUF_VERSION,
  type GgufMetadata,
  type GgufScalar,
  type GgufScalarType,
  type GgufValue,
} from './gguf-format.js';

/** GGML_MAX_NAME in ggml.h is 64 bytes including the terminating NUL, so llama.cpp rejects longer names. */
const MAX_TENSOR_NAME_BYTES = 63;
/** Writes are gathered into chunks of this size so a 100 MB model is not written 4 KiB at a time. */
const WRITE_CHUNK_BYTES = 1 << 20;

/** A tensor to write: its shape in ggml order (dims[0] is the row length) and a producer of its bytes. */
export interface GgufTensorSpec {
  name: string;
  /** ggml type id (see ggml-types.ts). */
  type: number;
  dims: number[];
  /** Yields the tensor's bytes in order; the chunks must add up to exactly the tensor's size. */
  data: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

/** Where each tensor lands in the file. */
export interface GgufLayout {
  alignment: number;
  /** Header + metadata + tensor infos + padding: the offset of the tensor data section. */
  dataOffset: number;
  tensors: { name: string; type: number; dims: number[]; offset: number; bytes: number }[];
  fileBytes: number;
}

export interface GgufWriteResult {
  path: string;
  bytes: number;
  sha256: string;
}

const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

/**
 * Encodes everything before the tensor data (pure): magic, version, counts, metadata, tensor infos and the
 * padding up to the data section; returns it with the layout of the tensor data.
 */
export function encodeGgufHeader(
  metadata: GgufMetadata,
  tensors: ReadonlyArray<Pick<GgufTensorSpec, 'name' | 'type' | 'dims'>>,
): { header: Buffer; layout: GgufLayout } {
  const alignment = metadataAlignment(metadata);
  const out = new ByteSink();
  out.raw(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(BigInt(tensors.length));
  out.u64(BigInt(Object.keys(metadata).length));
  for (const [key, value] of Object.entries(metadata)) {
    out.string(key);
    writeValue(out, key, value);
  }

  const seen = new Set<string>();
  const placed: GgufLayout['tensors'] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const bytes = tensorBytes(tensor);
    if (seen.has(tensor.name)) throw new OpsError(`GGUF tensor "${tensor.name}" is listed twice`);
    seen.add(tensor.name);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(BigInt(dim));
    out.u32(tensor.type);
    out.u64(BigInt(offset));
    placed.push({ name: tensor.name, type: tensor.type, dims: [...tensor.dims], offset, bytes });
    // gguf.md: each tensor's data is padded to the alignment, the last one included (llama.cpp's writer does too).
    offset += alignUp(bytes, alignment);
  }
  const dataOffset = alignUp(out.length, alignment);
  out.raw(Buffer.alloc(dataOffset - out.length));
  return {
    header: out.toBuffer(),
    layout: { alignment, dataOffset, tensors: placed, fileBytes: dataOffset + offset },
  };
}

/**
 * Writes a GGUF v3 file by streaming each tensor's chunks to disk, to a temporary name that is renamed into
 * place only when complete, so a crash never leaves a truncated model under the final name.
 */
export async function writeGgufFile(
  path: string,
  input: { metadata: GgufMetadata; tensors: GgufTensorSpec[] },
): Promise<GgufWriteResult> {
  const { header, layout } = encodeGgufHeader(input.metadata, input.tensors);
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
  const hash = createHash('sha256');
  const file = await open(temp, 'w');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let written = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    hash.update(chunk);
    await file.write(chunk, 0, chunk.length);
    written += chunk.length;
  };
  const put = async (chunk: Uint8Array) => {
    // Copy: a producer may reuse its buffer for the next chunk.
    pending.push(Buffer.from(chunk));
    pendingBytes += chunk.length;
    if (pendingBytes >= WRITE_CHUNK_BYTES) await flush();
  };
  try {
    await put(header);
    for (const [index, tensor] of input.tensors.entries()) {
      const { bytes } = layout.tensors[index]!;
      let produced = 0;
      for await (const chunk of tensor.data()) {
        produced += chunk.length;
        if (produced > bytes) break;
        await put(chunk);
      }
      if (produced !== bytes) {
        throw new OpsError(
          `GGUF tensor "${tensor.name}" produced ${produced > bytes ? 'more than' : produced} bytes, expected ${bytes}`,
          { hint: 'this is a bug in the code that generates the tensor data' },
        );
      }
      await put(Buffer.alloc(alignUp(bytes, layout.alignment) - bytes));
    }
    await flush();
    await file.sync();
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  if (written !== layout.fileBytes) {
    await rm(temp, { force: true });
    throw new OpsError(`wrote ${written} bytes to ${path}, expected ${layout.fileBytes}`);
  }
  await rename(temp, path);
  return { path, bytes: written, sha256: hash.digest('hex') };
}

function metadataAlignment(metadata: GgufMetadata): number {
  const entry = metadata['general.alignment'];
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  // gguf.md: general.alignment is a uint32 and must be a multiple of 8.
  if (entry.type !== 'uint32' || entry.value <= 0 || entry.value % 8 !== 0) {
    throw new OpsError('GGUF key general.alignment must be a uint32 multiple of 8');
  }
  return entry.value;
}

function tensorBytes(tensor: Pick<GgufTensorSpec, 'name' | 'type' | 'dims'>): number {
  const type = ggmlTypeInfo(tensor.type);
  const problem = (what: string) => new OpsError(`cannot write GGUF tensor "${tensor.name}": ${what}`);
  if (!type) throw problem(`type ${ggmlTypeName(tensor.type)} is not supported`);
  if (Buffer.byteLength(tensor.name) > MAX_TENSOR_NAME_BYTES) {
    throw problem(`name is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
  }
  if (tensor.dims.length < 1 || tensor.dims.length > GGML_MAX_DIMS) {
    throw problem(`it has ${tensor.dims.length} dimensions (1..${GGML_MAX_DIMS} allowed)`);
  }
  if (!tensor.dims.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw problem(`dimensions [${tensor.dims}] must be positive integers`);
  }
  if (tensor.dims[0]! % type.blockSize !== 0) {
    throw problem(
      `row length ${tensor.dims[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`,
    );
  }
  return ggmlTensorBytes(
    type,
    tensor.dims.reduce((a, b) => a * b, 1),
  );
}

function writeValue(out: ByteSink, key: string, value: GgufValue): void {
  out.u32(GGUF_VALUE_TYPE_IDS[value.type]);
  if (value.type !== 'array') {
    writeScalar(out, key, value.type, value.value);
    return;
  }
  out.u32(GGUF_VALUE_TYPE_IDS[value.itemType]);
  out.u64(BigInt(value.value.length));
  for (const item of value.value) writeScalar(out, key, value.itemType, item);
}

const INT_RANGES: Partial<Record<GgufScalarType, readonly [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};

function writeScalar(out: ByteSink, key: string, type: GgufScalarType, value: GgufScalar): void {
  const wrong = () => new OpsError(`GGUF key ${key}: ${String(value)} is not a valid ${type}`);
  if (type === 'string') {
    if (typeof value !== 'string') throw wrong();
    out.string(value);
    return;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw wrong();
    out.u8(value ? 1 : 0);
    return;
  }
  if (type === 'uint64' || type === 'int64') {
    if (typeof value !== 'bigint') throw wrong();
    const fits = type === 'uint64' ? BigInt.asUintN(64, value) === value : BigInt.asIntN(64, value) === value;
    if (!fits) throw wrong();
    const buf = Buffer.alloc(8);
    if (type === 'uint64') buf.writeBigUInt64LE(value);
    else buf.writeBigInt64LE(value);
    out.raw(buf);
    return;
  }
  if (typeof value !== 'number') throw wrong();
  const range = INT_RANGES[type];
  if (range && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) throw wrong();
  const buf = Buffer.alloc(GGUF_SCALAR_BYTES[type]);
  switch (type) {
    case 'uint8':
      buf.writeUInt8(value);
      break;
    case 'int8':
      buf.writeInt8(value);
      break;
    case 'uint16':
      buf.writeUInt16LE(value);
      break;
    case 'int16':
      buf.writeInt16LE(value);
      break;
    case 'uint32':
      buf.writeUInt32LE(value);
      break;
    case 'int32':
      buf.writeInt32LE(value);
      break;
    case 'float32':
      buf.writeFloatLE(value);
      break;
    case 'float64':
      buf.writeDoubleLE(value);
      break;
  }
  out.raw(buf);
}

/** Collects little-endian fields into one buffer (headers are small: at most a few MB of vocabulary). */
class ByteSink {
  private readonly parts: Buffer[] = [];
  length = 0;

  raw(buf: Buffer): void {
    this.parts.push(buf);
    this.length += buf.length;
  }
  u8(value: number): void {
    this.raw(Buffer.from([value]));
  }
  u32(value: number): void {
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(value);
    this.raw(buf);
  }
  u64(value: bigint): void {
    const buf = Buffer.alloc(8);
    buf.writeBigUInt64LE(value);
    this.raw(buf);
  }
  /** gguf_string_t: uint64 byte length, then UTF-8 bytes with no terminator. */
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(BigInt(bytes.length));
    this.raw(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}
