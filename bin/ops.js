#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so a checkout works with no build step.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { main } = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
process.exitCode = await main(process.argv);
