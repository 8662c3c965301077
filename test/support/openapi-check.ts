/**
 * Checks JSON answers against an OpenAPI 3.1 document's schemas: the subset of JSON Schema 2020-12 the
 * project's documents use ($ref, type with 'null', required, properties, additionalProperties: false, items,
 * enum, const, minimum, maximum, oneOf, format date-time). A keyword outside the subset fails loudly, so a
 * document cannot grow a rule this check silently skips.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is arbitrary YAML read field by field
type Schema = any;

const ANNOTATIONS = new Set(['description', 'summary', 'title', 'examples', 'default', 'x-events']);
const CHECKED = new Set([
  '$ref',
  'type',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minimum',
  'maximum',
  'oneOf',
  'format',
]);

export interface OpenApiDoc {
  // biome-ignore lint/suspicious/noExplicitAny: see Schema
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
}

export function readOpenApi(file: string): OpenApiDoc {
  return parse(readFileSync(file, 'utf8')) as OpenApiDoc;
}

/** Problems (empty when none) of `value` against a schema of `doc`, each with its JSON path. */
export function schemaProblems(doc: OpenApiDoc, schema: Schema, value: unknown, path = '$'): string[] {
  for (const key of Object.keys(schema)) {
    if (!CHECKED.has(key) && !ANNOTATIONS.has(key))
      throw new Error(`${path}: schema keyword ${key} is not checked`);
  }
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`${path}: unknown $ref ${schema.$ref}`);
    return schemaProblems(doc, target, value, path);
  }
  if (schema.oneOf) {
    const matching = (schema.oneOf as Schema[]).filter(
      (s) => schemaProblems(doc, s, value, path).length === 0,
    );
    return matching.length === 1 ? [] : [`${path}: matches ${matching.length} of oneOf, expected exactly 1`];
  }
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => isType(value, t)))
      return [`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && value !== schema.const)
    problems.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${path}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${path}: ${value} > ${schema.maximum}`);
  }
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value)))
    problems.push(`${path}: not a date-time`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) problems.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) problems.push(...schemaProblems(doc, sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not in the schema`);
    }
  }
  if (Array.isArray(value) && schema.items)
    for (const [i, v] of value.entries())
      problems.push(...schemaProblems(doc, schema.items, v, `${path}[${i}]`));
  return problems;
}

/**
 * Checks one answer: the status is one the document lists for the operation, and a JSON body matches its schema.
 * Returns the problems.
 */
export function responseProblems(
  doc: OpenApiDoc,
  path: string,
  method: string,
  status: number,
  body: unknown,
): string[] {
  const operation = doc.paths[path]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${path} is not in the document`];
  let response = operation.responses[String(status)];
  if (!response) return [`${method} ${path} answered ${status}, which the document does not list`];
  if (response.$ref)
    response = (doc.components as Schema).responses[String(response.$ref).split('/').at(-1)!];
  const schema = response.content?.['application/json']?.schema;
  if (!schema)
    return body === undefined
      ? []
      : [`${method} ${path} ${status} has a body the document does not describe`];
  return schemaProblems(doc, schema, body);
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}
