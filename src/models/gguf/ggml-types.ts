/**
 * The ggml tensor types and llama.cpp file types, as numbered in a GGUF file.
 *
 * Tensor types: `enum ggml_type` in ggml/include/ggml.h; block size and bytes per block from ggml's
 * `type_traits` table. Every row below was checked against the installed libggml-base 0.27.0
 * (`ggml_type_name`, `ggml_blck_size`, `ggml_type_size` for ids 0..42). Ids 4, 5, 31..33 and 36..38 are
 * types ggml removed; files that use them cannot be read by current llama.cpp either.
 *
 * File types: `enum llama_ftype` in include/llama.h, the value stored in `general.file_type`; the names are the
 * ones `llama-quantize --help` accepts (llama.cpp 0.7.0), so a name here can be passed to it as is.
 */
export interface GgmlTypeInfo {
  id: number;
  /** Upper-case name as llama.cpp prints it (F32, Q4_K, IQ4_XS…). */
  name: string;
  /** Elements per block; a tensor row (dims[0]) must be a multiple of it. */
  blockSize: number;
  /** Bytes one block takes on disk and in memory. */
  bytesPerBlock: number;
}

// [id, name, elements per block, bytes per block] — see the module comment for the source.
const TYPE_ROWS: ReadonlyArray<readonly [number, string, number, number]> = [
  [0, 'F32', 1, 4],
  [1, 'F16', 1, 2],
  [2, 'Q4_0', 32, 18],
  [3, 'Q4_1', 32, 20],
  [6, 'Q5_0', 32, 22],
  [7, 'Q5_1', 32, 24],
  [8, 'Q8_0', 32, 34],
  [9, 'Q8_1', 32, 36],
  [10, 'Q2_K', 256, 84],
  [11, 'Q3_K', 256, 110],
  [12, 'Q4_K', 256, 144],
  [13, 'Q5_K', 256, 176],
  [14, 'Q6_K', 256, 210],
  [15, 'Q8_K', 256, 292],
  [16, 'IQ2_XXS', 256, 66],
  [17, 'IQ2_XS', 256, 74],
  [18, 'IQ3_XXS', 256, 98],
  [19, 'IQ1_S', 256, 50],
  [20, 'IQ4_NL', 32, 18],
  [21, 'IQ3_S', 256, 110],
  [22, 'IQ2_S', 256, 82],
  [23, 'IQ4_XS', 256, 136],
  [24, 'I8', 1, 1],
  [25, 'I16', 1, 2],
  [26, 'I32', 1, 4],
  [27, 'I64', 1, 8],
  [28, 'F64', 1, 8],
  [29, 'IQ1_M', 256, 56],
  [30, 'BF16', 1, 2],
  [34, 'TQ1_0', 256, 54],
  [35, 'TQ2_0', 256, 66],
  [39, 'MXFP4', 32, 17],
  [40, 'NVFP4', 64, 36],
  [41, 'Q1_0', 128, 18],
  [42, 'Q2_0', 64, 18],
];

/** Types ggml once had and removed (runtime repacking replaced them); named so errors can say so. */
const REMOVED_TYPES: ReadonlyMap<number, string> = new Map([
  [4, 'Q4_2'],
  [5, 'Q4_3'],
  [31, 'Q4_0_4_4'],
  [32, 'Q4_0_4_8'],
  [33, 'Q4_0_8_8'],
  [36, 'IQ4_NL_4_4'],
  [37, 'IQ4_NL_4_8'],
  [38, 'IQ4_NL_8_8'],
]);

const TYPES_BY_ID: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  TYPE_ROWS.map(([id, name, blockSize, bytesPerBlock]) => [id, { id, name, blockSize, bytesPerBlock }]),
);
const TYPES_BY_NAME: ReadonlyMap<string, GgmlTypeInfo> = new Map(
  [...TYPES_BY_ID.values()].map((t) => [t.name, t]),
);

/** Every tensor type ggml currently supports, by id. */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [...TYPES_BY_ID.values()];

/** Ids of the types used most by this project, so code does not carry magic numbers. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  BF16: 30,
} as const;

/** The type with this id, or undefined for unknown or removed ids. */
export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return TYPES_BY_ID.get(id);
}

/** The type with this name (case-insensitive: `q4_k` and `Q4_K` both work). */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return TYPES_BY_NAME.get(name.toUpperCase());
}

/** A printable name for any id, including removed and unknown ones (for error messages). */
export function ggmlTypeName(id: number): string {
  const known = TYPES_BY_ID.get(id)?.name;
  if (known) return known;
  const removed = REMOVED_TYPES.get(id);
  return removed ? `${removed} (removed from ggml)` : `unknown type ${id}`;
}

/**
 * Exact bytes of a tensor of `elements` elements: ceil(elements / block) × bytes per block.
 * ggml stores whole blocks along each row, so for valid shapes (dims[0] a multiple of the block) this is exact.
 */
export function ggmlTensorBytes(type: GgmlTypeInfo, elements: number): number {
  return Math.ceil(elements / type.blockSize) * type.bytesPerBlock;
}

/** Bits per weight of a type (bytes per block × 8 / block size): Q4_K 4.5, Q8_0 8.5, F16 16. */
export function ggmlBitsPerWeight(type: GgmlTypeInfo): number {
  return (type.bytesPerBlock * 8) / type.blockSize;
}

export interface LlamaFileTypeInfo {
  id: number;
  /** Short name as llama-quantize takes it: F32, F16, Q8_0, Q4_K_M… */
  name: string;
}

// enum llama_ftype (include/llama.h); ids 4..6 and 33..35 are deprecated or removed but still name old files.
const FILE_TYPE_ROWS: ReadonlyArray<readonly [number, string]> = [
  [0, 'F32'],
  [1, 'F16'],
  [2, 'Q4_0'],
  [3, 'Q4_1'],
  [4, 'Q4_1_SOME_F16'],
  [5, 'Q4_2'],
  [6, 'Q4_3'],
  [7, 'Q8_0'],
  [8, 'Q5_0'],
  [9, 'Q5_1'],
  [10, 'Q2_K'],
  [11, 'Q3_K_S'],
  [12, 'Q3_K_M'],
  [13, 'Q3_K_L'],
  [14, 'Q4_K_S'],
  [15, 'Q4_K_M'],
  [16, 'Q5_K_S'],
  [17, 'Q5_K_M'],
  [18, 'Q6_K'],
  [19, 'IQ2_XXS'],
  [20, 'IQ2_XS'],
  [21, 'Q2_K_S'],
  [22, 'IQ3_XS'],
  [23, 'IQ3_XXS'],
  [24, 'IQ1_S'],
  [25, 'IQ4_NL'],
  [26, 'IQ3_S'],
  [27, 'IQ3_M'],
  [28, 'IQ2_S'],
  [29, 'IQ2_M'],
  [30, 'IQ4_XS'],
  [31, 'IQ1_M'],
  [32, 'BF16'],
  [33, 'Q4_0_4_4'],
  [34, 'Q4_0_4_8'],
  [35, 'Q4_0_8_8'],
  [36, 'TQ1_0'],
  [37, 'TQ2_0'],
  [38, 'MXFP4_MOE'],
  [39, 'NVFP4'],
  [40, 'Q1_0'],
  [41, 'Q2_0'],
];

const FILE_TYPES_BY_ID: ReadonlyMap<number, LlamaFileTypeInfo> = new Map(
  FILE_TYPE_ROWS.map(([id, name]) => [id, { id, name }]),
);
const FILE_TYPES_BY_NAME: ReadonlyMap<string, LlamaFileTypeInfo> = new Map(
  [...FILE_TYPES_BY_ID.values()].map((t) => [t.name, t]),
);

/** Every llama.cpp file type (`general.file_type`), by id. */
export const LLAMA_FILE_TYPES: readonly LlamaFileTypeInfo[] = [...FILE_TYPES_BY_ID.values()];

/** The llama.cpp file type with this id (the value of `general.file_type`). */
export function llamaFileTypeInfo(id: number): LlamaFileTypeInfo | undefined {
  return FILE_TYPES_BY_ID.get(id);
}

/** The llama.cpp file type with this name (case-insensitive), e.g. `q4_k_m`. */
export function llamaFileTypeByName(name: string): LlamaFileTypeInfo | undefined {
  return FILE_TYPES_BY_NAME.get(name.toUpperCase());
}
