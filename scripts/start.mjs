#!/usr/bin/env node
// `npm start`: build if needed, then run the whole platform in this process (CONTRACT §1).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
build();
createRequire(import.meta.url)(join(root, 'dist/apps/server/src/main.js'));
