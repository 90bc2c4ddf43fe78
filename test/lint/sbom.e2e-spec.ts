import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '../..');

interface Component {
  'bom-ref': string;
  name: string;
  group?: string;
  version: string;
  scope?: 'required' | 'optional' | 'excluded';
  purl: string;
  hashes?: { alg: string; content: string }[];
  licenses?: unknown[];
}
interface Bom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; component: { name: string; version: string; type: string } };
  components: Component[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

/** Issue 10: the build produces a CycloneDX SBOM of what ships (`npm run sbom`, scripts/build.mjs). */
describe('CycloneDX SBOM', () => {
  let bom: Bom;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };

  beforeAll(async () => {
    const { stdout } = await run(process.execPath, [join(root, 'scripts/sbom.mjs')], { cwd: root });
    expect(stdout).toMatch(/wrote .*dist\/sbom\.cdx\.json \(CycloneDX, \d+ components\)/);
    bom = JSON.parse(readFileSync(join(root, 'dist/sbom.cdx.json'), 'utf8')) as Bom;
  }, 60_000);

  it('is a CycloneDX document about this application', () => {
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(Number(bom.specVersion)).toBeGreaterThanOrEqual(1.5);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(bom.metadata.component).toMatchObject({ name: pkg.name, version: pkg.version, type: 'application' });
  });

  it('lists every runtime dependency at its locked version, with a hash, as required; dev tools as optional', () => {
    const byName = new Map(bom.components.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c]));
    for (const name of Object.keys(pkg.dependencies)) {
      const component = byName.get(name);
      const locked = lock.packages[`node_modules/${name}`]?.version;
      expect({ name, version: component?.version }).toEqual({ name, version: locked });
      expect(component?.purl).toBe(`pkg:npm/${name.replace('@', '%40')}@${locked}`);
      expect(component?.hashes?.[0]?.alg).toBe('SHA-512');
      expect(component?.scope).toBe('required');
    }
    for (const dev of ['jest', 'eslint', 'prettier', 'typescript', 'playwright-core']) {
      if (!(dev in pkg.dependencies))
        expect({ dev, scope: byName.get(dev)?.scope }).toEqual({ dev, scope: 'optional' });
    }
    // Every package of the lock file is there, but for binaries of other platforms (`os`/`cpu`),
    // which npm leaves out.
    const entries = Object.entries(lock.packages as Record<string, { os?: unknown; cpu?: unknown }>);
    const portable = entries.filter(([p, e]) => p.includes('node_modules/') && !e.os && !e.cpu).length;
    expect(bom.components.length).toBeGreaterThanOrEqual(portable);
  });

  it('has a dependency graph whose references all resolve', () => {
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    refs.add(`${pkg.name}@${pkg.version}`);
    for (const { ref, dependsOn = [] } of bom.dependencies) {
      expect(refs.has(ref)).toBe(true);
      for (const d of dependsOn) expect({ ref, dependsOn: d, known: refs.has(d) }).toMatchObject({ known: true });
    }
  });
});
