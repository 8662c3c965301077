import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { OpsError, ValidationError, type ValidationProblem } from '../core/errors.js';
import { zodProblems } from '../core/validation.js';
import { type Profile, profileSchema } from './types.js';

const HINT =
  'fix the fields listed (the format is described in the comments of hardware-profiles/consumer.yaml)';

/**
 * Loads every `*.yaml`/`*.yml` profile in `dir`, validated, highest priority first. Every problem in every file is
 * reported together, each with its file and field path; duplicate ids are refused.
 */
export function loadProfiles(dir: string): Profile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (cause) {
    throw new OpsError(`cannot read the hardware profiles directory ${dir}`, {
      cause,
      exitCode: 2,
      hint: 'set OPS_PROFILES_DIR to a directory of profile YAML files, or restore hardware-profiles/ in the checkout',
    });
  }
  if (names.length === 0) {
    throw new OpsError(`no hardware profiles (*.yaml) in ${dir}`, {
      exitCode: 2,
      hint: 'restore hardware-profiles/ from the repository, or point OPS_PROFILES_DIR at a directory that has them',
    });
  }
  const profiles: Profile[] = [];
  const problemsByFile = new Map<string, ValidationProblem[]>();
  for (const name of names) {
    const file = join(dir, name);
    const result = parseProfileFile(file);
    if ('problems' in result) problemsByFile.set(file, result.problems);
    else profiles.push(result.profile);
  }
  const seen = new Map<string, string>();
  for (const profile of profiles) {
    const other = seen.get(profile.id);
    if (other) {
      problemsByFile.set(profile.file, [
        { path: 'id', message: `"${profile.id}" is already used by ${other}` },
      ]);
    }
    seen.set(profile.id, profile.file);
  }
  if (problemsByFile.size === 1) {
    const [[file, problems]] = [...problemsByFile] as [[string, ValidationProblem[]]];
    throw new ValidationError(file, problems, { hint: HINT });
  }
  if (problemsByFile.size > 1) {
    const problems = [...problemsByFile].flatMap(([file, list]) =>
      list.map((p) => ({ path: `${basename(file)}${p.path ? ` › ${p.path}` : ''}`, message: p.message })),
    );
    throw new ValidationError(`hardware profiles in ${dir}`, problems, { hint: HINT });
  }
  return profiles.sort((a, b) => b.priority - a.priority);
}

function parseProfileFile(file: string): { profile: Profile } | { problems: ValidationProblem[] } {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const parsed = profileSchema.safeParse(doc.toJS());
  if (!parsed.success) return { problems: zodProblems(parsed.error) };
  return { profile: { ...parsed.data, file } };
}
