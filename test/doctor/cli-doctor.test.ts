import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from '../cli/run-vecdex.js';
import { buildForeignAbiAddon, haveCompiler, nodeHeaders } from './build-addon.js';
import { snapshot } from './tree-snapshot.js';

const HNSW = fileURLToPath(new URL('../../packages/index-hnswlib/dist/index.js', import.meta.url));

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  message: string;
  remedy?: string;
}
interface Report {
  ok: boolean;
  checks: Check[];
  durationMs: number;
}

function check(report: Report, name: string): Check {
  const c = report.checks.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no check ${name} in ${report.checks.map((x) => x.name).join(', ')}`);
  return c;
}

/** Run `vecdex doctor --json` and prove it wrote nothing: every file under the project, byte for byte. */
async function doctor(dir: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; report: Report; stderr: string }> {
  const before = await snapshot(dir);
  const r = await vecdex(dir, ['doctor', '--json'], env === undefined ? {} : { env });
  expect(await snapshot(dir)).toEqual(before);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

describe('vecdex doctor on sqlite-vec: reports, never writes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let template: { dir: string; cleanup: () => Promise<void> };
  const indexDir = () => path.join(dir, '.vecdex', 'indexes', 'h');

  // One store with a built index, copied for each test (each damages its copy).
  beforeAll(async () => {
    assertBuilt();
    template = await tempProject();
    const dir = template.dir;
    await vecdexOk(dir, ['init', '--plugin', HNSW]);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '4']);
    const items = Array.from({ length: 60 }, (_, i) => ({ id: `d${i}`, vector: [i, 1, i % 7, 3] }));
    await writeFile(path.join(dir, 'items.jsonl'), jsonl(items));
    await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
    await vecdexOk(dir, ['index', 'create', 'h', '--plugin', 'hnswlib', '--collections', 'docs']);
    await vecdexOk(dir, ['index', 'build', 'h']);
  });
  afterAll(() => template.cleanup());
  beforeEach(async () => {
    ({ dir, cleanup } = await tempProject());
    await cp(template.dir, dir, { recursive: true });
  });
  afterEach(() => cleanup());

  it('a healthy store: exit 0, every check ok, the text report names each check', async () => {
    const { code, report } = await doctor(dir);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(check(report, 'store.integrity').message).toMatch(/quick_check: ok/);
    expect(check(report, 'addon.hnswlib-node').status).toBe('ok');
    expect(check(report, 'index.h.files').message).toMatch(/60 items, 0 deleted/);
    const text = await vecdexOk(dir, ['doctor']);
    expect(text.stdout).toMatch(/^ok\s+store\.integrity/m);
    expect(text.stdout).toMatch(/healthy/);
  });

  it('pending changes and tombstones are reported as they are, not applied', async () => {
    await vecdexOk(dir, ['delete', 'docs', 'd1', 'd2', 'd3']);
    const { code, report } = await doctor(dir);
    expect(code).toBe(0);
    expect(check(report, 'index.h.pending')).toMatchObject({ status: 'warn', remedy: 'vecdex index sync h' });
    expect(check(report, 'store.feed').message).toMatch(/3 tombstone/);
  });

  it('a synced index names the change journals its files hold since the last whole write', async () => {
    await vecdexOk(dir, ['delete', 'docs', 'd1', 'd2', 'd3']);
    await vecdexOk(dir, ['index', 'sync', 'h']);
    const { code, report } = await doctor(dir);
    expect(code).toBe(0);
    const files = check(report, 'index.h.files');
    expect(files.message).toMatch(/57 items, 3 deleted .*; 1 change journal since the last whole write/);
    expect(files.details).toMatchObject({ journalFiles: 1 });
    expect(check(report, 'index.h.pending').status).toBe('ok');
  });

  it('a corrupt SQLite file: store.integrity fails with the remedy, exit 1, file untouched', async () => {
    const db = path.join(dir, 'vecdex.db');
    const bytes = await readFile(db);
    for (let page = 2; page < bytes.length / 4096; page += 3) bytes.fill(0xa5, page * 4096 + 8, page * 4096 + 208);
    await writeFile(db, bytes);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    // Where the damage lies decides which check sees it: the open (a page it reads) or quick_check.
    const failed = report.checks.filter((c) => c.status === 'fail' && (c.name === 'store.open' || c.name === 'store.integrity'));
    expect(failed.length).toBeGreaterThan(0);
    for (const c of failed) expect(c.remedy).toMatch(/vecdex restore/);
  });

  it('one damaged b-tree page that opening does not read: PRAGMA quick_check reports it', async () => {
    const db = path.join(dir, 'vecdex.db');
    const bytes = await readFile(db);
    bytes.fill(0xa5, 2 * 4096 + 8, 2 * 4096 + 208); // page 3's cell pointers
    await writeFile(db, bytes);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(check(report, 'store.open').status).toBe('ok');
    const integrity = check(report, 'store.integrity');
    expect(integrity.status).toBe('fail');
    expect(integrity.message).toMatch(/quick_check found problems/);
    expect(integrity.remedy).toMatch(/vecdex restore/);
  });

  it('a file that is not SQLite at all: store.open fails with the remedy', async () => {
    await writeFile(path.join(dir, 'vecdex.db'), 'definitely not a database\n'.repeat(200));
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(check(report, 'store.open')).toMatchObject({ status: 'fail' });
    expect(check(report, 'store.open').remedy).toMatch(/restore/);
  });

  it('a damaged index file: files fail verification, and doctor does not rebuild it (index status would)', async () => {
    const file = (await readdir(indexDir())).find((f) => /^index\.\d+\.hnsw$/.test(f)) as string;
    const p = path.join(indexDir(), file);
    const bytes = await readFile(p);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    await writeFile(p, bytes);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    const files = check(report, 'index.h.files');
    expect(files.status).toBe('fail');
    expect(files.message).toMatch(/fails its checksum/);
    expect(files.remedy).toMatch(/vecdex index rebuild h/);
  });

  it('an index directory that is a plain file: a failed check with its remedy', async () => {
    await rm(indexDir(), { recursive: true });
    await writeFile(indexDir(), 'not a directory');
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    const files = check(report, 'index.h.files');
    expect(files.status).toBe('fail');
    expect(files.message).toMatch(/plain file/);
    expect(files.remedy).toMatch(/vecdex index rebuild h/);
  });

  it('a missing index directory: a failed check saying to rebuild', async () => {
    await rename(indexDir(), `${indexDir()}-gone`);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(check(report, 'index.h.files').message).toMatch(/missing/);
  });

  it('no store file yet: store.open fails, nothing is created', async () => {
    await rm(path.join(dir, 'vecdex.db'));
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(check(report, 'store.open').message).toMatch(/no store at/);
  });
});

describe('vecdex doctor: plugins and native add-ons that do not load', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
  });
  afterEach(() => cleanup());

  async function plugin(name: string, body: string): Promise<string> {
    const pkg = path.join(dir, 'node_modules', name);
    await mkdir(pkg, { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', main: 'index.js' }));
    await writeFile(path.join(pkg, 'index.js'), body);
    return pkg;
  }

  /** Create the store with a working config, then configure `plugins`. */
  async function config(plugins: string[]): Promise<void> {
    const write = (list: string[]) =>
      writeFile(
        path.join(dir, 'vecdex.config.json'),
        JSON.stringify({ backend: { use: 'sqlitevec', options: { path: './vecdex.db' } }, plugins: list }),
      );
    await write([]);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '4']);
    await write(plugins);
  }

  it('a plugin whose native dependency is not installed: named, with what to install', async () => {
    await plugin('vecdex-plugin-needs-addon', "import 'vecdex-no-such-native-addon';\nexport default {};\n");
    await config(['vecdex-plugin-needs-addon']);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    const c = check(report, 'plugin.vecdex-plugin-needs-addon');
    expect(c.status).toBe('fail');
    expect(c.message).toMatch(/vecdex-no-such-native-addon is not installed/);
    expect(c.remedy).toBe('install it in your project: npm install vecdex-no-such-native-addon');
    // The rest still runs.
    expect(check(report, 'store.integrity').status).toBe('ok');
  });

  it('a plugin package that is not installed at all', async () => {
    await config(['vecdex-plugin-not-there']);
    const { code, report } = await doctor(dir);
    expect(code).toBe(1);
    expect(check(report, 'plugin.vecdex-plugin-not-there').remedy).toMatch(/npm install vecdex-plugin-not-there/);
  });

  const headers = nodeHeaders();
  const compiler = haveCompiler();
  it.skipIf(headers === null || !compiler)(
    `an add-on built for another Node (NODE_MODULE_VERSION 108): named as such, with the rebuild command${headers === null ? ' [skipped: no Node C++ headers]' : !compiler ? ' [skipped: no g++]' : ''}`,
    async () => {
      const pkg = await plugin(
        'vecdex-plugin-old-abi',
        "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nrequire('./build/Release/foreign.node');\nexport default {};\n",
      );
      await buildForeignAbiAddon(path.join(pkg, 'build', 'Release'), headers as string);
      await config(['vecdex-plugin-old-abi']);
      const { code, report } = await doctor(dir);
      expect(code).toBe(1);
      const c = check(report, 'plugin.vecdex-plugin-old-abi');
      expect(c.status).toBe('fail');
      expect(c.message).toMatch(/NODE_MODULE_VERSION mismatch/);
      expect(c.message).toMatch(/built for NODE_MODULE_VERSION 108 \(Node 18\)/);
      expect(c.message).toContain(`needs ${process.versions.modules}`);
      expect(c.remedy).toMatch(/npm rebuild vecdex-plugin-old-abi/);
    },
    30_000,
  );
});

describe('vx.doctor() on an open store', () => {
  it('the same store and index checks, through the API, without writing', async () => {
    assertBuilt();
    const { dir, cleanup } = await tempProject();
    try {
      const { openVecdex } = await import('@vecdex/core');
      const hnswlib = (await import('@vecdex/index-hnswlib')).default;
      const sqlitevec = (await import('@vecdex/backend-sqlitevec')).default;
      const config = {
        backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } },
        plugins: [hnswlib],
        dataDir: path.join(dir, 'data'),
      };
      const vx = await openVecdex({ config, cwd: dir, env: {} });
      try {
        await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'l2' });
        await vx.collection('docs').upsert([
          { id: 'a', vector: [1, 0, 0] },
          { id: 'b', vector: [0, 1, 0] },
        ]);
        await vx.indexes.create({ name: 'h', plugin: 'hnswlib', collections: ['docs'] });
        await vx.indexes.build('h');
        const before = await snapshot(dir);
        const report = await vx.doctor();
        expect(await snapshot(dir)).toEqual(before);
        expect(report.ok).toBe(true);
        expect(report.checks.map((c) => c.name)).toEqual(
          expect.arrayContaining([
            'node',
            'core',
            'addon.hnswlib-node',
            'store.integrity',
            'store.feed',
            'index.h.files',
            'index.h.pending',
            'embedding-cache',
          ]),
        );
        expect(report.checks.find((c) => c.name === 'index.h.files')?.message).toMatch(/2 items, 0 deleted/);
      } finally {
        await vx.close();
      }
    } finally {
      await cleanup();
    }
  });
});
