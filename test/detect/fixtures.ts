import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path and text of a file in test/fixtures/nvidia-smi. */
export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url));
export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');
