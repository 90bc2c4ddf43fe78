#!/usr/bin/env node
// Records, in package-lock.json, the platform-specific optional packages (native binaries for
// other operating systems and CPUs) that `npm install` could not record.
//
// Why: the npm registry reachable from our build machines answers 404 for some of those
// packages (e.g. @swc/core-darwin-arm64), so npm leaves them out of the lock file — and then
// `npm ci` refuses the lock file as "not in sync". An entry naming the package, its exact
// version and the platform it is for is all `npm ci` needs: on any other platform it skips
// it, and on that platform it fetches it by name and version as usual.
//
//   node scripts/complete-lockfile.mjs           complete package-lock.json (after npm install)
//   node scripts/complete-lockfile.mjs --check   exit 1 if anything is missing (run by `npm run lint`)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 'ppc64le', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

/** The platform a binary package is for, read from its name (`…-linux-arm64-musl`). */
export function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.find((t) => CPU.includes(t));
  const libc = tokens.some((t) => t.startsWith('musl'))
    ? 'musl'
    : tokens.some((t) => t.startsWith('gnu'))
      ? 'glibc'
      : undefined;
  if (!os && !cpu) return undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc: [libc] } : {}) };
}

/** The entry npm would resolve `name` to from the package at `path` (nearest node_modules up). */
function resolve(packages, path, name) {
  for (let dir = path; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[key]) return { key, entry: packages[key] };
    if (!dir) return undefined;
  }
}

export function complete(lock) {
  const added = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(pkg.optionalDependencies ?? {})) {
      const platform = platformOf(name);
      const version = String(spec).replace(/^[\^~=]/, '');
      if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) continue;
      const found = resolve(lock.packages, path, name);
      if (found?.entry.version === version) continue;
      // Hoisted when the top-level slot is free, else beside the package that wants this version.
      const key = lock.packages[`node_modules/${name}`] ? `${path}/node_modules/${name}` : `node_modules/${name}`;
      lock.packages[key] = { version, optional: true, ...(pkg.dev ? { dev: true } : {}), ...platform };
      added.push(`${name}@${version}`);
    }
  }
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  return added;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const added = complete(lock);
  if (process.argv.includes('--check')) {
    if (added.length) {
      process.stderr.write(
        `package-lock.json lacks ${added.length} platform package(s) (${added.slice(0, 3).join(', ')}…): run node scripts/complete-lockfile.mjs\n`,
      );
      process.exit(1);
    }
  } else {
    writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
    process.stdout.write(`package-lock.json: recorded ${added.length} platform package(s)\n`);
  }
}
