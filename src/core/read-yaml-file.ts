import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { OpsError, ValidationError } from './errors.js';

/**
 * Reads and parses a YAML file a person wrote. A missing file is an OpsError with `hint`; a syntax error is a
 * ValidationError naming the file with line and column, so no YAML problem ever surfaces as a stack trace.
 */
export function readYamlFile(file: string, what: string, hint: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read ${what} ${file}`, { cause, exitCode: 2, hint });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
      { hint: `fix the YAML syntax; ${hint}` },
    );
  }
  return doc.toJS();
}
