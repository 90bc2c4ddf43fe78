#!/usr/bin/env node
// Writes dist/sbom.cdx.json: a CycloneDX SBOM of the application and every package of
// package-lock.json, with npm's own `npm sbom` (npm >= 10). What ships has scope `required`;
// build and test tools have scope `optional` (CycloneDX's way of saying "not at run time"). `npm run sbom` writes it and fails on
// any problem; the build calls it too, when the lock file is newer than the SBOM.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SBOM_FILE = join(root, 'dist', 'sbom.cdx.json');

/** True when the SBOM is missing or older than the lock file or package.json. */
export function sbomStale() {
  if (!existsSync(SBOM_FILE)) return true;
  const made = statSync(SBOM_FILE).mtimeMs;
  return ['package-lock.json', 'package.json'].some((f) => statSync(join(root, f)).mtimeMs > made);
}

/**
 * Runs `npm sbom` and writes the file. From the lock file (`--package-lock-only`), not from
 * node_modules: the SBOM states what `npm ci` installs, whatever is on this disk. Not with
 * `--omit dev`: npm 11.19 then drops runtime packages that dev tools also use (@nestjs/common,
 * rxjs, @medplum/core among them); the full list with scopes is both complete and honest.
 * @returns the number of components
 */
export function writeSbom() {
  // npm_execpath is npm's own CLI when run through npm; otherwise `npm` on PATH.
  const npmCli = process.env.npm_execpath?.endsWith('npm-cli.js') ? process.env.npm_execpath : undefined;
  const [cmd, prefix] = npmCli ? [process.execPath, [npmCli]] : ['npm', []];
  const result = spawnSync(
    cmd,
    [...prefix, 'sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--package-lock-only'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`npm sbom failed: ${(result.stderr || result.error?.message || '').trim().split('\n')[0]}`);
  }
  const bom = JSON.parse(result.stdout);
  // npm names the root after its folder (a worktree, a CI checkout); the product is the package.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (bom.metadata?.component) bom.metadata.component.name = pkg.name;
  mkdirSync(dirname(SBOM_FILE), { recursive: true });
  writeFileSync(SBOM_FILE, `${JSON.stringify(bom, null, 2)}\n`);
  return bom.components.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const n = writeSbom();
    process.stdout.write(`circulator: wrote ${SBOM_FILE} (CycloneDX, ${n} components)\n`);
  } catch (err) {
    process.stderr.write(`circulator: ${err.message}\n`);
    process.exit(1);
  }
}
