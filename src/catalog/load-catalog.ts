import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { OpsError, ValidationError, type ValidationProblem } from '../core/errors.js';
import { formatPath } from '../core/validation.js';
import {
  type Catalog,
  type CatalogModel,
  catalogFileSchema,
  type GpuSpec,
  gpuTableSchema,
  type ModelSpec,
} from './types.js';
import { resolveWeightsBytes } from './weights-size.js';

/** The catalog shipped with ops (catalog/ at the repository root). */
export function defaultCatalogDir(): string {
  return fileURLToPath(new URL('../../catalog', import.meta.url));
}

/** One catalog YAML file's name (for messages) and text. */
export interface CatalogSource {
  file: string;
  text: string;
}

/**
 * Parses and checks catalog files: YAML syntax, schema, then cross-field rules (unique ids, heads divisible by
 * KV heads, one variant per quant and engine…). Pure. Every problem in every file is collected and thrown
 * together as one ValidationError whose paths read `file: field.path`.
 */
export function parseCatalog(
  modelFiles: CatalogSource[],
  gpuFile: CatalogSource,
  source = 'catalog',
): Catalog {
  const problems: ValidationProblem[] = [];
  const models: CatalogModel[] = [];
  const seenIds = new Map<string, string>();

  for (const { file, text } of modelFiles) {
    const doc = parseYaml(file, text, problems);
    if (doc === undefined) continue;
    const parsed = catalogFileSchema.safeParse(doc);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ path: `${file}: ${formatPath(issue.path)}`, message: issue.message });
      continue;
    }
    parsed.data.models.forEach((model, i) => {
      const at = `${file}: models[${i}]`;
      const before = problems.length;
      checkModel(model, at, problems);
      const other = seenIds.get(model.id);
      if (other) problems.push({ path: `${at}.id`, message: `"${model.id}" is already defined in ${other}` });
      seenIds.set(model.id, file);
      if (problems.length > before) return;
      const { variants, ...rest } = model;
      models.push({
        ...rest,
        family: parsed.data.family,
        variants: variants.map((v) => {
          const size = resolveWeightsBytes(model.shape, v);
          return {
            ...v,
            id: `${model.id}:${v.quant}:${v.engine}`,
            weightsBytes: size.bytes,
            sizeSource: size.source,
          };
        }),
      });
    });
  }

  let gpus: GpuSpec[] = [];
  const gpuDoc = parseYaml(gpuFile.file, gpuFile.text, problems);
  if (gpuDoc !== undefined) {
    const parsed = gpuTableSchema.safeParse(gpuDoc);
    if (parsed.success) gpus = parsed.data.gpus;
    else
      for (const issue of parsed.error.issues)
        problems.push({ path: `${gpuFile.file}: ${formatPath(issue.path)}`, message: issue.message });
  }

  if (problems.length > 0) {
    throw new ValidationError(source, problems, {
      hint: 'fix the catalog entries above; the format is in src/catalog/types.ts',
    });
  }
  return { models, gpus };
}

/** Reads catalog/models/*.yaml and catalog/gpus.yaml from `dir` and parses them (see parseCatalog). */
export function loadCatalog(dir = defaultCatalogDir()): Catalog {
  const read = (path: string): CatalogSource => {
    try {
      return { file: relative(dir, path), text: readFileSync(path, 'utf8') };
    } catch (cause) {
      throw new OpsError(`cannot read catalog file ${path}`, {
        cause,
        hint: 'reinstall ops or pass a catalog directory that has models/ and gpus.yaml',
      });
    }
  };
  let names: string[];
  try {
    names = readdirSync(join(dir, 'models')).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'));
  } catch (cause) {
    throw new OpsError(`cannot list catalog directory ${join(dir, 'models')}`, {
      cause,
      hint: 'the catalog directory needs a models/ folder of YAML files',
    });
  }
  return parseCatalog(
    names.sort().map((n) => read(join(dir, 'models', n))),
    read(join(dir, 'gpus.yaml')),
    dir,
  );
}

function parseYaml(file: string, text: string, problems: ValidationProblem[]): unknown {
  // `merge` lets a variant of a model reuse another's shape with `<<: *anchor` (YAML 1.1 merge keys).
  const doc = parseDocument(text, { prettyErrors: true, merge: true });
  if (doc.errors.length === 0) return doc.toJS();
  for (const e of doc.errors) {
    const where = e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '';
    problems.push({ path: `${file}: ${where}`, message: e.message.split('\n')[0] ?? e.message });
  }
  return undefined;
}

function checkModel(model: ModelSpec, at: string, problems: ValidationProblem[]): void {
  const s = model.shape;
  if (s.heads % s.kvHeads !== 0) {
    problems.push({
      path: `${at}.shape.kvHeads`,
      message: `${s.heads} heads are not a multiple of ${s.kvHeads} KV heads`,
    });
  }
  if (s.activeParams !== undefined && s.activeParams > s.params) {
    problems.push({
      path: `${at}.shape.activeParams`,
      message: `${s.activeParams} exceeds params (${s.params})`,
    });
  }
  if (s.experts && s.experts.active > s.experts.total) {
    problems.push({
      path: `${at}.shape.experts.active`,
      message: `${s.experts.active} active of ${s.experts.total} experts`,
    });
  }
  if (s.kvLayers !== undefined && s.kvLayers > s.layers) {
    problems.push({ path: `${at}.shape.kvLayers`, message: `${s.kvLayers} exceeds the ${s.layers} layers` });
  }
  if ((s.attention === 'mla' || s.attention === 'mla-sparse') !== (s.mla !== undefined)) {
    // An mla block needs attention: mla or mla-sparse, and the other way round.
    problems.push({
      path: `${at}.shape.mla`,
      message: `attention ${s.attention} and the mla block must go together`,
    });
  }
  const basis = model.qualityBasis ?? 'estimate';
  if (
    basis !== 'estimate' &&
    !(model.benchmarks ?? []).some((b) => b.by === basis && b.score === model.quality)
  ) {
    problems.push({
      path: `${at}.qualityBasis`,
      message: `quality ${model.quality} is said to be the ${basis} figure, but no ${basis} benchmark lists that score`,
    });
  }
  if (s.slidingWindow && s.slidingWindow.layers > s.layers) {
    problems.push({
      path: `${at}.shape.slidingWindow.layers`,
      message: `${s.slidingWindow.layers} exceeds the ${s.layers} layers`,
    });
  }
  const seen = new Map<string, number>();
  model.variants.forEach((v, j) => {
    const key = `${v.engine}:${v.quant}`;
    const other = seen.get(key);
    if (other !== undefined)
      problems.push({
        path: `${at}.variants[${j}]`,
        message: `a ${v.quant} variant for ${v.engine} is already variants[${other}]`,
      });
    seen.set(key, j);
    if (v.engine === 'llama.cpp' && !v.file.endsWith('.gguf')) {
      problems.push({
        path: `${at}.variants[${j}].file`,
        message: `llama.cpp needs a .gguf file, got "${v.file}"`,
      });
    }
    if (v.engine === 'vllm' && v.source.kind !== 'hf') {
      problems.push({
        path: `${at}.variants[${j}].source`,
        message: 'vLLM checkpoints come from a hub repository',
      });
    }
  });
}
