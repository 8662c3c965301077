import { describe, type TestOptions } from 'vitest';

/**
 * A suite that runs only where it can, and says why not where it cannot. vitest's `skip` option is a boolean and a
 * skipped suite carries no note, so the reason goes into the skipped suite's title, which every reporter prints.
 * `reason` is false (or undefined) where the suite can run.
 */
export function describeUnless(
  reason: string | false | undefined,
  title: string,
  options: TestOptions,
  body: () => void,
): void {
  if (reason) describe.skip(`${title} [skipped: ${reason}]`, options, body);
  else describe(title, options, body);
}
