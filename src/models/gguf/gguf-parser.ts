import { ggmlTensorBytes, ggmlTypeInfo, ggmlTypeName } from './ggml-types.js';
import { GgufError } from './gguf-error.js';
import {
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_SCALAR_BYTES,
  type GgufMetadata,
  type GgufScalar,
  type GgufScalarType,
  type GgufValue,
  ggufValueTypeName,
} from './gguf-format.js';

/** One tensor as the header describes it, with its exact size and absolute position in the file. */
export interface GgufTensorInfo {
  name: string;
  /** ggml type id. */
  type: number;
  typeName: string;
  /** Shape in ggml order: dims[0] is the row length. */
  dims: number[];
  elements: number;
  /** Absolute byte offset of the tensor's data in the file (dataOffset + the offset stored in the header). */
  offset: number;
  bytes: number;
}

/** Everything before the tensor data. */
export interface GgufHeader {
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Where the tensor data section starts (end of the header, padded to the alignment). */
  dataOffset: number;
}

/** Thrown when `buf` holds only a prefix of the file and parsing needs at least `needed` bytes of it. */
export class NeedMoreBytes {
  constructor(readonly needed: number) {}
}

// Limits far above any real model (the largest have a few thousand tensors and a few dozen keys, and
// vocabularies of ~260k tokens) so a corrupt count fails fast instead of allocating gigabytes.
const MAX_TENSORS = 1_000_000;
const MAX_KV = 1_000_000;
const MAX_STRING_BYTES = 256 << 20;
const MAX_ARRAY_ITEMS = 100_000_000;

/**
 * Parses a GGUF header from `buf`, the first bytes of a file of `fileBytes` bytes (pure). Throws NeedMoreBytes
 * when `buf` is a prefix too short to finish, and GgufError for anything wrong with the file itself.
 */
export function parseGgufHeader(buf: Buffer, fileBytes: number, file: string): GgufHeader {
  const r: Cursor = new Cursor(buf, fileBytes, file);
  const magic = r.take(4, 'magic');
  if (!magic.equals(GGUF_MAGIC)) {
    throw new GgufError(
      file,
      'not-gguf',
      `not a GGUF file (first bytes are ${JSON.stringify(magic.toString('latin1'))}, expected "GGUF")`,
    );
  }
  const version = r.u32('version');
  if (version !== 2 && version !== 3) {
    const byteSwapped = version === 0x02000000 || version === 0x03000000;
    throw new GgufError(
      file,
      'unsupported',
      byteSwapped
        ? 'big-endian GGUF files are not supported'
        : `GGUF version ${version} is not supported (2 and 3 are)`,
    );
  }
  const tensorCount = r.count('tensor count', MAX_TENSORS);
  const kvCount = r.count('metadata key count', MAX_KV);

  const metadata: GgufMetadata = {};
  for (let i = 0; i < kvCount; i++) {
    const key = r.string(`key of metadata entry ${i}`);
    if (Object.hasOwn(metadata, key)) r.fail('corrupt', `metadata key ${key} appears twice`);
    metadata[key] = r.value(key);
  }

  const alignment = readAlignment(metadata, r);
  const raw: { name: string; type: number; dims: number[]; relativeOffset: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string(`name of tensor ${i}`);
    if (names.has(name)) r.fail('corrupt', `tensor ${name} appears twice`);
    names.add(name);
    const nDims = r.u32(`dimension count of tensor ${name}`);
    if (nDims > GGML_MAX_DIMS)
      r.fail('corrupt', `tensor ${name} has ${nDims} dimensions (at most ${GGML_MAX_DIMS})`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(r.u64Number(`dimension ${d} of tensor ${name}`));
    const type = r.u32(`type of tensor ${name}`);
    const relativeOffset = r.u64Number(`data offset of tensor ${name}`);
    raw.push({ name, type, dims, relativeOffset });
  }
  const dataOffset = Math.ceil(r.pos / alignment) * alignment;

  const tensors = raw.map((t): GgufTensorInfo => {
    const type = ggmlTypeInfo(t.type);
    if (!type)
      r.fail(
        'unsupported',
        `tensor ${t.name} has type ${ggmlTypeName(t.type)}, which this reader does not know`,
      );
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements))
      r.fail('corrupt', `tensor ${t.name} has an impossible shape [${t.dims}]`);
    if ((t.dims[0] ?? 1) % type.blockSize !== 0) {
      r.fail(
        'corrupt',
        `tensor ${t.name} row length ${t.dims[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`,
      );
    }
    if (t.relativeOffset % alignment !== 0) {
      r.fail(
        'corrupt',
        `tensor ${t.name} data offset ${t.relativeOffset} is not aligned to ${alignment} bytes`,
      );
    }
    const bytes = ggmlTensorBytes(type, elements);
    const offset = dataOffset + t.relativeOffset;
    if (offset + bytes > fileBytes) {
      r.fail(
        'truncated',
        `tensor ${t.name} data ends at byte ${offset + bytes} but the file has only ${fileBytes} bytes`,
      );
    }
    return { name: t.name, type: t.type, typeName: type.name, dims: t.dims, elements, offset, bytes };
  });
  return { version, metadata, tensors, alignment, dataOffset };
}

function readAlignment(metadata: GgufMetadata, r: Cursor): number {
  const entry = metadata['general.alignment'];
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  // ggml's gguf.cpp requires a non-zero power of two stored as uint32.
  const value = entry.type === 'uint32' ? entry.value : undefined;
  if (value === undefined || value === 0 || (value & (value - 1)) !== 0) {
    return r.fail(
      'corrupt',
      `general.alignment must be a uint32 power of two, found ${JSON.stringify(String(entry.value))}`,
    );
  }
  return value;
}

/** A read position in a (possibly partial) file buffer; every read checks bounds against both. */
class Cursor {
  pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly fileBytes: number,
    private readonly file: string,
  ) {}

  fail(problem: 'truncated' | 'corrupt' | 'unsupported', message: string): never {
    throw new GgufError(this.file, problem, message);
  }

  /** Reserves `n` bytes at the cursor for `what` and returns their start. */
  private claim(n: number, what: string): number {
    const end = this.pos + n;
    if (end > this.fileBytes) {
      this.fail(
        'truncated',
        `file ends at byte ${this.fileBytes} while reading ${what} (needs bytes up to ${end})`,
      );
    }
    if (end > this.buf.length) throw new NeedMoreBytes(end);
    const start = this.pos;
    this.pos = end;
    return start;
  }

  take(n: number, what: string): Buffer {
    const start = this.claim(n, what);
    return this.buf.subarray(start, start + n);
  }
  u32(what: string): number {
    return this.buf.readUInt32LE(this.claim(4, what));
  }
  u64(what: string): bigint {
    return this.buf.readBigUInt64LE(this.claim(8, what));
  }
  u64Number(what: string): number {
    const value = this.u64(what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      this.fail('corrupt', `${what} is impossibly large (${value})`);
    return Number(value);
  }
  count(what: string, max: number): number {
    const value = this.u64(what);
    if (value > BigInt(max))
      this.fail('corrupt', `${what} is ${value}, more than any real model has (${max})`);
    return Number(value);
  }
  string(what: string): string {
    const length = this.u64(`length of ${what}`);
    const remaining = this.fileBytes - this.pos;
    if (length > BigInt(Math.min(MAX_STRING_BYTES, remaining))) {
      this.fail(
        length > BigInt(MAX_STRING_BYTES) ? 'corrupt' : 'truncated',
        `${what} claims ${length} bytes but ${length > BigInt(MAX_STRING_BYTES) ? `strings are at most ${MAX_STRING_BYTES}` : `only ${remaining} remain in the file`}`,
      );
    }
    const start = this.claim(Number(length), what);
    return this.buf.toString('utf8', start, this.pos);
  }

  value(key: string): GgufValue {
    const typeId = this.u32(`value type of ${key}`);
    const type = ggufValueTypeName(typeId);
    if (!type) this.fail('corrupt', `metadata key ${key} has unknown value type ${typeId}`);
    if (type !== 'array') return this.scalarValue(key, type);
    const itemTypeId = this.u32(`item type of ${key}`);
    const itemType = ggufValueTypeName(itemTypeId);
    if (!itemType) this.fail('corrupt', `metadata array ${key} has unknown item type ${itemTypeId}`);
    if (itemType === 'array') this.fail('unsupported', `metadata key ${key} is an array of arrays`);
    const length = this.count(`length of array ${key}`, MAX_ARRAY_ITEMS);
    // Every item takes at least its fixed size (a string at least its 8-byte length), so a length the rest
    // of the file cannot hold is caught here, before the loop.
    const minItemBytes = itemType === 'string' ? 8 : GGUF_SCALAR_BYTES[itemType];
    if (length * minItemBytes > this.fileBytes - this.pos) {
      this.fail('truncated', `array ${key} claims ${length} items, more than the rest of the file can hold`);
    }
    const items: GgufScalar[] = new Array(length);
    for (let i = 0; i < length; i++) items[i] = this.scalar(key, itemType);
    return { type: 'array', itemType, value: items };
  }

  private scalarValue(key: string, type: GgufScalarType): GgufValue {
    const value = this.scalar(key, type);
    return { type, value } as GgufValue;
  }

  private scalar(key: string, type: GgufScalarType): GgufScalar {
    switch (type) {
      case 'string':
        return this.string(`value of ${key}`);
      case 'uint8':
        return this.buf.readUInt8(this.claim(1, key));
      case 'int8':
        return this.buf.readInt8(this.claim(1, key));
      case 'uint16':
        return this.buf.readUInt16LE(this.claim(2, key));
      case 'int16':
        return this.buf.readInt16LE(this.claim(2, key));
      case 'uint32':
        return this.buf.readUInt32LE(this.claim(4, key));
      case 'int32':
        return this.buf.readInt32LE(this.claim(4, key));
      case 'float32':
        return this.buf.readFloatLE(this.claim(4, key));
      case 'float64':
        return this.buf.readDoubleLE(this.claim(8, key));
      case 'bool':
        return this.buf.readUInt8(this.claim(1, key)) !== 0;
      case 'uint64':
        return this.buf.readBigUInt64LE(this.claim(8, key));
      case 'int64':
        return this.buf.readBigInt64LE(this.claim(8, key));
    }
  }
}
