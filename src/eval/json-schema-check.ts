/**
 * Checks a value against the JSON Schema subset Claude Code's tool schemas use (type, properties, required,
 * additionalProperties, enum, minimum/maximum/exclusiveMinimum, items). Returns the problems, empty when valid.
 * Hand-written because this subset is all the tool-use suite needs; no dependency for it.
 */
export function checkJsonSchema(value: unknown, schema: Record<string, unknown>, path = '$'): string[] {
  const type = schema.type as string | undefined;
  if (type && !hasType(value, type)) return [`${path}: expected ${type}, got ${describe(value)}`];
  const problems: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: not one of the allowed values`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${path}: above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
      problems.push(`${path}: must be above ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    const items = schema.items as Record<string, unknown>;
    for (const [i, item] of value.entries()) problems.push(...checkJsonSchema(item, items, `${path}[${i}]`));
  }
  if (type === 'object' && value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in record)) problems.push(`${path}.${key}: required`);
    }
    for (const [key, child] of Object.entries(record)) {
      const sub = properties[key];
      if (sub) problems.push(...checkJsonSchema(child, sub, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not allowed`);
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
