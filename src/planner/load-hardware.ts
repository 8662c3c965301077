import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import { type HardwareSpec, hardwareSpecSchema } from './types.js';

/** Checks a parsed hardware document (the `--hardware FILE` format); every problem is reported at once. */
export function parseHardwareSpec(doc: unknown, source = 'hardware spec'): HardwareSpec {
  const parsed = hardwareSpecSchema.safeParse(doc);
  const problems = parsed.success ? [] : zodProblems(parsed.error);
  if (parsed.success) {
    const seen = new Set<number>();
    parsed.data.gpus.forEach((g, i) => {
      if (seen.has(g.index))
        problems.push({ path: `gpus[${i}].index`, message: `GPU index ${g.index} is listed twice` });
      seen.add(g.index);
    });
  }
  if (!parsed.success || problems.length > 0) {
    throw new ValidationError(source, problems, { hint: 'see hardware-profiles/examples/ for the format' });
  }
  return parsed.data;
}

/** Reads a hardware YAML file (`ops plan --hardware FILE`). */
export function loadHardwareSpec(file: string): HardwareSpec {
  const doc = readYamlFile(file, 'hardware file', 'examples are in hardware-profiles/examples/');
  return parseHardwareSpec(doc, file);
}
