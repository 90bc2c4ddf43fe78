#!/usr/bin/env node
// Builds the server, the simulator and the web client into dist/, only when a source changed
// since the last build (`npm start` calls this every time; a fresh build takes ~20 s).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sbomStale, writeSbom } from './sbom.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
/** Every lib under libs/ (each is imported by its alias, @circulator/<name>). */
const LIBS = readdirSync(join(root, 'libs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`circulator: build failed: ${cmd} ${args.join(' ')}\n`);
    process.exit(result.status ?? 1);
  }
}

export function build({ force = false } = {}) {
  const sources = Math.max(
    newest(join(root, 'apps')),
    newest(join(root, 'libs')),
    statSync(join(root, 'package-lock.json')).mtimeMs,
    statSync(join(root, 'tsconfig.build.json')).mtimeMs,
  );
  // The CycloneDX SBOM follows the lock file, not the sources (issue 10). A failure is a warning
  // here, so that `npm start` still starts; `npm run sbom` fails on it.
  if (force || sbomStale()) {
    try {
      writeSbom();
    } catch (err) {
      process.stderr.write(`circulator: warning: no SBOM written: ${err.message}\n`);
    }
  }
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return false;
  process.stdout.write('circulator: building…\n');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
  // What ships is the production build of React, whatever NODE_ENV the caller runs with (Jest sets
  // `test`, which would make Vite bundle React's development build: bigger and slower).
  run(
    process.execPath,
    [
      join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'apps/web/vite.config.mjs',
      '--logLevel',
      'warn',
    ],
    { ...process.env, NODE_ENV: 'production' },
  );
  // The compiled code imports the libs by their alias (@circulator/x): a package stub under
  // dist/node_modules makes Node resolve them without a run-time path hook.
  for (const lib of LIBS) {
    const dir = join(dist, 'node_modules', '@circulator', lib);
    mkdirSync(dir, { recursive: true });
    const target = relative(dir, join(dist, 'libs', lib, 'src', 'index.js'));
    writeFileSync(join(dir, 'index.js'), `module.exports = require(${JSON.stringify(target)});\n`);
  }
  writeFileSync(stamp, new Date().toISOString());
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ force: process.argv.includes('--force') });
