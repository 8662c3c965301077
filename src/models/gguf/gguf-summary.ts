import { formatBytes } from '../../core/console-reporter.js';
import { type GgufValue, plainGgufValue } from './gguf-format.js';
import { type GgufModelShape, ggufModelShape } from './gguf-model-shape.js';
import type { GgufFile } from './gguf-reader.js';

/** What `ops models inspect` reports about a GGUF file. */
export interface GgufSummary {
  path: string;
  version: number;
  fileBytes: number;
  dataOffset: number;
  alignment: number;
  architecture: string | undefined;
  fileType: string | undefined;
  fileTypeId: number | undefined;
  shape: GgufModelShape;
  tensorCount: number;
  tensorBytes: number;
  /** Tensor bytes and counts per ggml type, largest first. */
  bytesByType: { type: string; tensors: number; bytes: number }[];
}

/** Summarises a parsed GGUF file (pure). */
export function summarizeGguf(file: GgufFile): GgufSummary {
  const byType = new Map<string, { type: string; tensors: number; bytes: number }>();
  for (const tensor of file.tensors) {
    const entry = byType.get(tensor.typeName) ?? { type: tensor.typeName, tensors: 0, bytes: 0 };
    entry.tensors++;
    entry.bytes += tensor.bytes;
    byType.set(tensor.typeName, entry);
  }
  return {
    path: file.path,
    version: file.version,
    fileBytes: file.fileBytes,
    dataOffset: file.dataOffset,
    alignment: file.alignment,
    architecture: file.architecture,
    fileType: file.fileType?.name,
    fileTypeId: file.fileTypeId,
    shape: ggufModelShape(file.metadata),
    tensorCount: file.tensors.length,
    tensorBytes: file.tensorBytes,
    bytesByType: [...byType.values()].sort((a, b) => b.bytes - a.bytes),
  };
}

/** Arrays longer than this are shown by length and first items (a vocabulary has 150k+ entries). */
const MAX_ARRAY_ITEMS_SHOWN = 16;

/** Metadata as JSON-ready values; long arrays are cut to their length and first items. */
export function plainMetadata(metadata: Record<string, GgufValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    out[key] =
      value.type === 'array' && value.value.length > MAX_ARRAY_ITEMS_SHOWN
        ? {
            itemType: value.itemType,
            length: value.value.length,
            first: plainGgufValue({ ...value, value: value.value.slice(0, MAX_ARRAY_ITEMS_SHOWN) }),
          }
        : plainGgufValue(value);
  }
  return out;
}

/** The summary as lines for a person. */
export function formatGgufSummary(s: GgufSummary): string {
  const shape = s.shape;
  const known = (v: number | undefined) => (v === undefined ? '?' : String(v));
  const lines = [
    `file      ${s.path} (${formatBytes(s.fileBytes)}, GGUF v${s.version})`,
    `model     ${s.architecture ?? 'unknown architecture'}, file type ${s.fileType ?? (s.fileTypeId === undefined ? 'not stated' : `unknown (${s.fileTypeId})`)}`,
    `shape     ${known(shape.blockCount)} layers, embedding ${known(shape.embeddingLength)}, heads ${known(shape.headCount)} (kv ${known(shape.headCountKv)}), head dim ${known(shape.keyLength)}, ff ${known(shape.feedForwardLength)}, vocab ${known(shape.vocabSize)}`,
  ];
  if (shape.expertCount)
    lines.push(`experts   ${shape.expertCount} (${known(shape.expertUsedCount)} used per token)`);
  lines.push(
    `context   ${known(shape.contextLength)} tokens (trained)`,
    `tensors   ${s.tensorCount}, ${formatBytes(s.tensorBytes)}: ${s.bytesByType.map((t) => `${t.type} ${formatBytes(t.bytes)} (${t.tensors})`).join(', ')}`,
    `header    ${s.dataOffset} bytes, alignment ${s.alignment}`,
  );
  return lines.join('\n');
}
