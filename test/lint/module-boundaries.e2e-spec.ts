import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

/**
 * ARCHITECTURE.md: "the domain imports nothing of ours but contracts", enforced by Nx tags and
 * the module-boundaries rule. This proves the rule is live (not skipped for want of a project
 * graph, not declared with '*' tags): a domain file importing an adapter or a framework fails.
 */
const root = join(__dirname, '../..');

async function lint(relativePath: string, source: string): Promise<ESLint.LintResult> {
  const file = join(root, relativePath);
  writeFileSync(file, source);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
    if (!result) throw new Error('ESLint returned no result');
    return result;
  } finally {
    rmSync(file, { force: true });
  }
}

const boundaryErrors = (result: ESLint.LintResult) =>
  result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);

describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; make sure it is current (as `npm run lint` does).
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  it('fails a domain file that imports an adapter or a framework', async () => {
    const result = await lint(
      'libs/domain/src/boundary-probe.ts',
      [
        "import { CaseRepository } from '@circulator/persistence';",
        "import { Injectable } from '@nestjs/common';",
        'export const probe = [CaseRepository, Injectable];',
        '',
      ].join('\n'),
    );
    const errors = boundaryErrors(result);
    expect(errors).toHaveLength(2);
    // The rule reports the adapter import as a tag violation or, since every adapter depends on
    // the domain, as the circular dependency it would create; either way it is an error.
    expect(errors[0]).toMatch(
      /"type:domain" can only depend on libs tagged with "type:contracts"|Circular dependency between "domain" and "persistence"/,
    );
    expect(errors[1]).toContain('is not allowed to import "@nestjs/common"');
  });

  it('lets an adapter import the domain', async () => {
    const result = await lint(
      'libs/pipeline/src/boundary-probe.ts',
      ["import { applyFact } from '@circulator/domain';", 'export const probe = applyFact;', ''].join('\n'),
    );
    expect(boundaryErrors(result)).toEqual([]);
  });
});
