#!/usr/bin/env node
// `npm run bench -- [options]` (CONTRACT §8): build if needed, then run the benchmark.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
build();
const bench = spawn(process.execPath, [join(root, 'dist/apps/simulator/src/bench/main.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
bench.on('exit', (code) => process.exit(code ?? 1));
