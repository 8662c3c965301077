/**
 * The GGUF container format: constants and the typed metadata values shared by the writer and the reader.
 * Source: ggml/docs/gguf.md (GGUF v3: little-endian, `GGUF` magic, uint64 counts and string lengths).
 */

/** "GGUF" as the first four bytes of the file (read as a little-endian uint32: 0x46554747). */
export const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');
/** The version this project writes; the reader also accepts 2 (same layout, per gguf.md). */
export const GGUF_VERSION = 3;
/** `general.alignment` when the key is absent (gguf.md: "If not specified, this is 32"). */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** GGML_MAX_DIMS in ggml.h: a tensor has at most four dimensions. */
export const GGML_MAX_DIMS = 4;

/** The value types of metadata, with their ids as written in the file (gguf.md `gguf_metadata_value_type`). */
export const GGUF_VALUE_TYPE_IDS = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE_IDS;
export type GgufScalarType = Exclude<GgufValueTypeName, 'array'>;
export type GgufNumberType =
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'float64';
export type GgufBigIntType = 'uint64' | 'int64';
export type GgufScalar = number | bigint | boolean | string;

/**
 * One metadata value with its GGUF type. The type is kept because a JS number does not say whether the file
 * holds a uint32 or a float32, and llama.cpp checks the type of the keys it reads.
 */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufScalarType; value: GgufScalar[] };

/** Metadata keys in file order (JS objects keep insertion order for string keys). */
export type GgufMetadata = Record<string, GgufValue>;

const TYPE_NAMES_BY_ID: ReadonlyMap<number, GgufValueTypeName> = new Map(
  Object.entries(GGUF_VALUE_TYPE_IDS).map(([name, id]) => [id, name as GgufValueTypeName]),
);

/** The value type name for an id read from a file, or undefined for an unknown id. */
export function ggufValueTypeName(id: number): GgufValueTypeName | undefined {
  return TYPE_NAMES_BY_ID.get(id);
}

/** Bytes a fixed-size scalar takes (strings are variable: uint64 length + bytes). */
export const GGUF_SCALAR_BYTES: Readonly<Record<Exclude<GgufScalarType, 'string'>, number>> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  uint64: 8,
  int64: 8,
  float64: 8,
};

/** Constructors for typed metadata values, so callers write `ggufValue.uint32(32)` instead of object literals. */
export const ggufValue = {
  uint8: (value: number): GgufValue => ({ type: 'uint8', value }),
  int8: (value: number): GgufValue => ({ type: 'int8', value }),
  uint16: (value: number): GgufValue => ({ type: 'uint16', value }),
  int16: (value: number): GgufValue => ({ type: 'int16', value }),
  uint32: (value: number): GgufValue => ({ type: 'uint32', value }),
  int32: (value: number): GgufValue => ({ type: 'int32', value }),
  float32: (value: number): GgufValue => ({ type: 'float32', value }),
  float64: (value: number): GgufValue => ({ type: 'float64', value }),
  uint64: (value: bigint): GgufValue => ({ type: 'uint64', value }),
  int64: (value: bigint): GgufValue => ({ type: 'int64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  array: (itemType: GgufScalarType, value: GgufScalar[]): GgufValue => ({ type: 'array', itemType, value }),
};

/** The plain JS value of a metadata entry (for display and JSON; bigints become numbers when safe). */
export function plainGgufValue(value: GgufValue): unknown {
  const plain = (v: GgufScalar) =>
    typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : typeof v === 'bigint'
        ? v.toString()
        : v;
  const shortest = (v: GgufScalar) => (typeof v === 'number' ? shortestFloat32(v) : plain(v));
  const itemType = value.type === 'array' ? value.itemType : value.type;
  const convert = itemType === 'float32' ? shortest : plain;
  return value.type === 'array' ? value.value.map(convert) : convert(value.value);
}

/** The shortest decimal that reads back as the same float32 (1e-5 rather than 0.000009999999747378752). */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
