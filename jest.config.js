// @ts-check
// One runner for the whole repository. Three layers, chosen with --selectProjects:
//   unit        *.spec.ts beside the code (pure, fast)
//   integration *.int-spec.ts on the real services (PostgreSQL, Redis, embedded DB)
//   e2e         test/**/*.e2e-spec.ts against a started platform on listen(0) ports, and the
//               web client in Debian's chromium (playwright-core; never a downloaded browser)
const { readFileSync } = require('node:fs');

const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const common = {
  transform: { '^.+\\.(ts|js|mjs)$': ['@swc/jest', { ...swc, swcrc: false }] },
  // NestJS 12 ships ES modules only; Jest (before Node 24.9) cannot require() them, so they are
  // compiled to CommonJS like our own code. Node itself loads them natively at run time.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|file-type|strtok3|token-types|uint8array-extras|@tokenizer|aedes|fhir-kit-client)/)',
  ],
  moduleNameMapper: {
    '^@circulator/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    // fhir-kit-client 2 exports only an `import` condition, which Jest's CommonJS resolver does not
    // take: point it at the entry file (compiled like the packages above).
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
  },
  testEnvironment: 'node',
  rootDir: __dirname,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/build-once.js',
    },
  ],
  testTimeout: 30_000,
};
