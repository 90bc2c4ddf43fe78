#!/usr/bin/env node
// `npm run soak -- [--minutes 10] …` (issue 10, docs/reliability.md): build if needed, then soak.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
build();
const soak = spawn(process.execPath, [join(root, 'dist/apps/simulator/src/soak/main.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
soak.on('exit', (code) => process.exit(code ?? 1));
