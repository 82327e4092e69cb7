import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_SEARCH_PLACES, loadConfig, resolveInlineConfig, validateConfig } from '../src/index.js';
import { cleanup, DIST_INDEX, expectVecdexError, expectVecdexErrorSync, tempDir, writeFiles } from './helpers.js';

afterAll(cleanup);

/** A project directory (holding a package.json) with `files` in it. */
async function project(
  files: Record<string, string | object> = {},
  pkg: object = { name: 'app', private: true },
): Promise<string> {
  const dir = await tempDir('vecdex-config-');
  await writeFiles(dir, { 'package.json': pkg, ...files });
  return dir;
}

const load = (cwd: string, env: NodeJS.ProcessEnv = {}, file?: string) => loadConfig({ cwd, env, file });

describe('loadConfig finds each config form', () => {
  const forms: [file: string, content: string | object, dataDir: string, pkg?: object][] = [
    ['vecdex.config.json', { dataDir: 'from-json' }, 'from-json'],
    ['vecdex.config.yaml', 'dataDir: from-yaml\nplugins:\n  - ./p.js\n', 'from-yaml'],
    ['vecdex.config.yml', 'dataDir: from-yml\n', 'from-yml'],
    ['vecdex.config.mjs', "export default { dataDir: 'from-mjs' };\n", 'from-mjs'],
    ['vecdex.config.js', "export default { dataDir: 'from-js' };\n", 'from-js', { name: 'app', type: 'module' }],
    ['vecdex.config.cjs', "module.exports = { dataDir: 'from-cjs' };\n", 'from-cjs'],
    ['.vecdexrc', '{ "dataDir": "from-rc" }', 'from-rc'],
    ['.vecdexrc.json', { dataDir: 'from-rc-json' }, 'from-rc-json'],
  ];
  for (const [name, content, dataDir, pkg] of forms) {
    it(name, async () => {
      const dir = await project({ [name]: content }, pkg);
      const cfg = await load(dir);
      expect(cfg.configPath).toBe(path.join(dir, name));
      expect(cfg.baseDir).toBe(dir);
      expect(cfg.dataDir).toBe(path.join(dir, dataDir));
    });
  }

  it('.vecdexrc written as YAML', async () => {
    const dir = await project({ '.vecdexrc': 'backend: pgvector\ndataDir: rc-yaml\n' });
    const cfg = await load(dir);
    expect(cfg.configPath).toBe(path.join(dir, '.vecdexrc'));
    expect(cfg.backend.use).toBe('@vecdex/backend-pgvector');
    expect(cfg.dataDir).toBe(path.join(dir, 'rc-yaml'));
  });

  it('package.json#vecdex', async () => {
    const dir = await project(
      {},
      { name: 'app', vecdex: { backend: { use: 'sqlitevec', options: { path: 'x.db' } }, dataDir: 'pj' } },
    );
    const cfg = await load(dir);
    expect(cfg.configPath).toBe(path.join(dir, 'package.json'));
    expect(cfg.backend).toEqual({ use: '@vecdex/backend-sqlitevec', options: { path: 'x.db' } });
    expect(cfg.dataDir).toBe(path.join(dir, 'pj'));
  });

  it('vecdex.config.ts with TypeScript syntax and no imports (through jiti)', async () => {
    const dir = await project({
      'vecdex.config.ts': [
        'interface Cfg { dataDir: string; plugins: string[] }',
        "const dataDir: string = 'from-ts';",
        "const cfg: Cfg = { dataDir, plugins: ['./idx.js'] satisfies string[] };",
        'export default cfg;',
      ].join('\n'),
    });
    const cfg = await load(dir);
    expect(cfg.configPath).toBe(path.join(dir, 'vecdex.config.ts'));
    expect(cfg.dataDir).toBe(path.join(dir, 'from-ts'));
    expect(cfg.plugins).toEqual(['./idx.js']);
  });

  it('vecdex.config.ts importing defineConfig from the built core', async () => {
    const dir = await project({
      'vecdex.config.ts': [
        `import { defineConfig, BACKEND_ALIASES } from ${JSON.stringify(DIST_INDEX)};`,
        'const use: string = BACKEND_ALIASES.pgvector as string;',
        "export default defineConfig({ backend: { use, options: { url: 'postgres://localhost/x' } }, dataDir: 'ts-define' });",
      ].join('\n'),
    });
    const cfg = await load(dir);
    expect(cfg.backend).toEqual({ use: '@vecdex/backend-pgvector', options: { url: 'postgres://localhost/x' } });
    expect(cfg.dataDir).toBe(path.join(dir, 'ts-define'));
  });

  it('vecdex.config.mts', async () => {
    const dir = await project({ 'vecdex.config.mts': "const d: string = 'from-mts';\nexport default { dataDir: d };\n" });
    expect((await load(dir)).dataDir).toBe(path.join(dir, 'from-mts'));
  });

  it('in plain Node (outside vitest, built core): .ts config, .mjs syntax error, project boundary', async () => {
    const ts = await project({
      'vecdex.config.ts': `import { defineConfig } from ${JSON.stringify(DIST_INDEX)};\nconst d: string = 'node-ts';\nexport default defineConfig({ dataDir: d });\n`,
    });
    const broken = await project({ 'vecdex.config.mjs': 'export default { dataDir: \n' });
    const outer = await tempDir('vecdex-outer-');
    await writeFiles(outer, { 'vecdex.config.json': { dataDir: 'outer' }, 'proj/package.json': { name: 'p' } });
    const script = `import { loadConfig } from ${JSON.stringify(DIST_INDEX)};
const out = [];
for (const cwd of ${JSON.stringify([ts, broken, path.join(outer, 'proj')])}) {
  try { const c = await loadConfig({ cwd, env: {} }); out.push({ dataDir: c.dataDir, configPath: c.configPath }); }
  catch (e) { out.push({ code: e.code, message: e.message }); }
}
process.stdout.write(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ts });
    const [fromTs, fromBroken, fromOuter] = JSON.parse(stdout);
    expect(fromTs).toEqual({ dataDir: path.join(ts, 'node-ts'), configPath: path.join(ts, 'vecdex.config.ts') });
    expect(fromBroken.code).toBe('CONFIG_INVALID');
    expect(fromBroken.message).toContain(path.join(broken, 'vecdex.config.mjs'));
    expect(fromBroken.message).toContain('Unexpected end of input');
    expect(fromOuter).toEqual({ dataDir: path.join(outer, 'proj', '.vecdex'), configPath: null });
  });

  it('search places follow CONFIG_SEARCH_PLACES order within a directory', async () => {
    expect(CONFIG_SEARCH_PLACES[0]).toBe('package.json');
    const dir = await project({ '.vecdexrc.json': { dataDir: 'rc' }, 'vecdex.config.json': { dataDir: 'cfg' } });
    expect((await load(dir)).configPath).toBe(path.join(dir, '.vecdexrc.json'));
  });

  it('a package.json without a vecdex key does not hide a config file beside it', async () => {
    const dir = await project({ 'vecdex.config.json': { dataDir: 'x' } });
    expect((await load(dir)).configPath).toBe(path.join(dir, 'vecdex.config.json'));
  });
});

describe('loadConfig search scope', () => {
  it('finds the project config from a subdirectory, and resolves dataDir against the config file', async () => {
    const dir = await project({ 'vecdex.config.json': { dataDir: 'store' }, 'src/deep/x.txt': '' });
    const cfg = await load(path.join(dir, 'src', 'deep'));
    expect(cfg.configPath).toBe(path.join(dir, 'vecdex.config.json'));
    expect(cfg.baseDir).toBe(dir);
    expect(cfg.dataDir).toBe(path.join(dir, 'store'));
  });

  it('stops at the nearest package.json: a config above the project is neither loaded nor executed', async () => {
    const outer = await tempDir('vecdex-outer-');
    const marker = path.join(outer, 'executed.txt');
    await writeFiles(outer, {
      'vecdex.config.json': { dataDir: 'outer' },
      'vecdex.config.mjs': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { dataDir: 'outer-js' };\n`,
      'proj/package.json': { name: 'inner' },
      'proj/sub/readme.txt': '',
    });
    const cwd = path.join(outer, 'proj', 'sub');
    const cfg = await load(cwd);
    expect(cfg.configPath).toBeNull();
    expect(cfg.baseDir).toBe(cwd);
    expect(cfg.dataDir).toBe(path.join(cwd, '.vecdex'));
    expect(existsSync(marker)).toBe(false);
    // the same layout with the config inside the project is found
    await writeFiles(outer, { 'proj/vecdex.config.json': { dataDir: 'inner' } });
    expect((await load(cwd)).dataDir).toBe(path.join(outer, 'proj', 'inner'));
  });

  const noPackageJsonAbove = (() => {
    for (let d = os.tmpdir(); ; d = path.dirname(d)) {
      if (existsSync(path.join(d, 'package.json'))) return false;
      if (path.dirname(d) === d) return true;
    }
  })();

  it.runIf(noPackageJsonAbove)('without any package.json above, only the start directory is searched', async () => {
    const outer = await tempDir('vecdex-nopkg-');
    await writeFiles(outer, { 'vecdex.config.json': { dataDir: 'outer' }, 'sub/x.txt': '' });
    expect((await load(path.join(outer, 'sub'))).configPath).toBeNull();
    expect((await load(outer)).configPath).toBe(path.join(outer, 'vecdex.config.json'));
  });

  it('with no config anywhere, defaults apply', async () => {
    const dir = await project();
    const cfg = await load(dir);
    expect(cfg).toEqual({
      backend: { use: '@vecdex/backend-sqlitevec', options: {} },
      plugins: [],
      dataDir: path.join(dir, '.vecdex'),
      embedding: {},
      baseDir: dir,
      configPath: null,
    });
  });
});

describe('explicit config files', () => {
  it('the file option loads that file (relative to cwd) without searching', async () => {
    const dir = await project({ 'vecdex.config.json': { dataDir: 'searched' }, 'conf/custom.json': { dataDir: 'custom' } });
    const cfg = await load(dir, {}, 'conf/custom.json');
    expect(cfg.configPath).toBe(path.join(dir, 'conf', 'custom.json'));
    expect(cfg.dataDir).toBe(path.join(dir, 'conf', 'custom'));
  });

  it('VECDEX_CONFIG names the file; the file option wins over it; an empty one is ignored', async () => {
    const dir = await project({
      'vecdex.config.json': { dataDir: 'searched' },
      'a.yaml': 'dataDir: a\n',
      'b.json': { dataDir: 'b' },
    });
    expect((await load(dir, { VECDEX_CONFIG: 'a.yaml' })).dataDir).toBe(path.join(dir, 'a'));
    expect((await load(dir, { VECDEX_CONFIG: 'a.yaml' }, 'b.json')).dataDir).toBe(path.join(dir, 'b'));
    expect((await load(dir, { VECDEX_CONFIG: '' })).dataDir).toBe(path.join(dir, 'searched'));
  });

  it('a missing explicit file is CONFIG_NOT_FOUND naming the absolute path', async () => {
    const dir = await project({ 'vecdex.config.json': {} });
    const err = await expectVecdexError(() => load(dir, {}, 'nope.json'), 'CONFIG_NOT_FOUND');
    expect(err.message).toBe(`config file ${path.join(dir, 'nope.json')} does not exist`);
    expect(err.details.file).toBe(path.join(dir, 'nope.json'));
    const viaEnv = await expectVecdexError(() => load(dir, { VECDEX_CONFIG: '../elsewhere/x.ts' }), 'CONFIG_NOT_FOUND');
    expect(viaEnv.message).toContain(path.resolve(dir, '../elsewhere/x.ts'));
  });

  it('an empty explicit file gives the defaults, relative to the file', async () => {
    const dir = await project({ 'conf/empty.json': '' });
    const cfg = await load(dir, {}, 'conf/empty.json');
    expect(cfg.configPath).toBe(path.join(dir, 'conf', 'empty.json'));
    expect(cfg.baseDir).toBe(path.join(dir, 'conf'));
    expect(cfg.dataDir).toBe(path.join(dir, 'conf', '.vecdex'));
  });

  it('a file type without a loader is CONFIG_INVALID naming the file', async () => {
    const dir = await project({ 'vecdex.toml': 'dataDir = "x"' });
    const err = await expectVecdexError(() => load(dir, {}, 'vecdex.toml'), 'CONFIG_INVALID');
    expect(err.message).toContain(path.join(dir, 'vecdex.toml'));
  });
});

describe('invalid configs give CONFIG_INVALID naming the key, the expected type and the file', () => {
  const cases: [string, unknown, string][] = [
    [
      'unknown key',
      { dataDir: 'x', backends: [] },
      'unknown config key "backends"; known keys: backend, plugins, dataDir, embedding',
    ],
    [
      'backend.options not an object',
      { backend: { use: 'sqlitevec', options: 'path=x.db' } },
      'config key "backend.options" must be an object, got a string',
    ],
    [
      'backend.options an array',
      { backend: { use: 'sqlitevec', options: [] } },
      'config key "backend.options" must be an object, got an array',
    ],
    [
      'plugins not an array',
      { plugins: '@vecdex/index-hnswlib' },
      'config key "plugins" must be an array of package names, got a string',
    ],
    [
      'plugins[1] a number',
      { plugins: ['a', 1] },
      'config key "plugins[1]" must be a package name, a path or a plugin, got a number',
    ],
    [
      'plugins[0] empty',
      { plugins: [''] },
      'config key "plugins[0]" must be a package name, a path or a plugin, got an empty string',
    ],
    ['dataDir empty', { dataDir: '' }, 'config key "dataDir" must be a non-empty path string, got an empty string'],
    ['dataDir a number', { dataDir: 5 }, 'config key "dataDir" must be a non-empty path string, got a number'],
    ['backend a number', { backend: 5 }, 'config key "backend" must be a package name or {use, options}, got a number'],
    [
      'backend without use',
      { backend: { options: {} } },
      'config key "backend.use" must be a package name, a path or a plugin, got nothing',
    ],
    [
      'backend.use an object',
      { backend: { use: { name: 'x' } } },
      'config key "backend.use" must be a package name, a path or a plugin, got an object',
    ],
    ['root an array', [{ dataDir: 'x' }], 'config key "(root)" must be an object, got an array'],
  ];
  for (const [what, config, message] of cases) {
    it(what, async () => {
      const dir = await project({ 'vecdex.config.json': config as object });
      const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
      expect(err.message).toBe(`${message} (in ${path.join(dir, 'vecdex.config.json')})`);
    });
  }

  it('a misplaced secret is not echoed in the error', async () => {
    const dir = await project({ 'vecdex.config.json': { backend: { use: 'pgvector', url: 'postgres://app:s3cr3t@db/x' } } });
    const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
    expect(err.message).toContain('config key "backend.url" must be absent');
    expect(err.message).not.toContain('s3cr3t');
    const err2 = expectVecdexErrorSync(
      () => validateConfig({ backend: { use: 'x', options: 'sk-live-abcdef' } }, 'inline'),
      'CONFIG_INVALID',
    );
    expect(err2.message).not.toContain('sk-live');
  });

  it('an inline config names where it came from', () => {
    const err = expectVecdexErrorSync(
      () => resolveInlineConfig({ plugins: 'x' } as never, { cwd: '/', env: {} }),
      'CONFIG_INVALID',
    );
    expect(err.message).toBe(
      'config key "plugins" must be an array of package names, got a string (in the config passed to openVecdex)',
    );
    expect(err.details.key).toBe('plugins');
  });

  it('package.json#vecdex is validated too', async () => {
    const dir = await project({}, { name: 'app', vecdex: { dataDir: '' } });
    const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
    expect(err.message).toContain(`"dataDir"`);
    expect(err.message).toContain(path.join(dir, 'package.json'));
  });
});

describe('config files that fail to load give CONFIG_INVALID mentioning the file', () => {
  const broken: [string, string][] = [
    ['vecdex.config.json', '{ "dataDir": }'],
    ['vecdex.config.yaml', 'backend: [\n'],
    ['.vecdexrc', '{ "dataDir": "x",, }'],
    ['vecdex.config.mjs', 'export default { dataDir: \n'],
    ['vecdex.config.cjs', 'module.exports = {{;\n'],
    ['vecdex.config.ts', 'const x: number = ;\nexport default {};\n'],
  ];
  for (const [name, content] of broken) {
    it(`a syntax error in ${name}`, async () => {
      const dir = await project({ [name]: content });
      const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
      expect(err.message).toMatch(/^could not load the vecdex config/);
      expect(err.message).toContain(path.join(dir, name));
      expect(err.cause).toBeDefined();
    });
  }

  it('a config module that throws', async () => {
    const dir = await project({ 'vecdex.config.mjs': "throw new Error('no DATABASE_URL set');\n" });
    const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
    expect(err.message).toBe(`could not load the vecdex config ${path.join(dir, 'vecdex.config.mjs')}: no DATABASE_URL set`);
    expect((err.cause as Error).message).toBe('no DATABASE_URL set');
  });

  it('a .ts config that throws', async () => {
    const dir = await project({
      'vecdex.config.ts': "const f = (): never => { throw new Error('ts boom'); };\nexport default f();\n",
    });
    const err = await expectVecdexError(() => load(dir), 'CONFIG_INVALID');
    expect(err.message).toContain('ts boom');
    expect(err.message).toContain(path.join(dir, 'vecdex.config.ts'));
  });
});

describe('environment overrides', () => {
  it('VECDEX_BACKEND=sqlitevec expands the alias and drops options of a different backend', async () => {
    const dir = await project({ 'vecdex.config.json': { backend: { use: 'pgvector', options: { url: 'postgres://x' } } } });
    expect((await load(dir)).backend).toEqual({ use: '@vecdex/backend-pgvector', options: { url: 'postgres://x' } });
    const cfg = await load(dir, { VECDEX_BACKEND: 'sqlitevec' });
    expect(cfg.backend).toEqual({ use: '@vecdex/backend-sqlitevec', options: {} });
  });

  it('options survive when VECDEX_BACKEND names the same backend (alias or full name)', async () => {
    const dir = await project({ 'vecdex.config.json': { backend: { use: 'sqlitevec', options: { path: 'a.db' } } } });
    expect((await load(dir, { VECDEX_BACKEND: '@vecdex/backend-sqlitevec' })).backend.options).toEqual({ path: 'a.db' });
    expect((await load(dir, { VECDEX_BACKEND: 'sqlitevec' })).backend.options).toEqual({ path: 'a.db' });
    expect((await load(dir, { VECDEX_BACKEND: '' })).backend.options).toEqual({ path: 'a.db' });
  });

  it('VECDEX_BACKEND can name any package', async () => {
    const cfg = await load(await project(), { VECDEX_BACKEND: '@acme/vecdex-store' });
    expect(cfg.backend).toEqual({ use: '@acme/vecdex-store', options: {} });
  });

  it('VECDEX_DATA_DIR replaces dataDir', async () => {
    const dir = await project({ 'vecdex.config.json': { dataDir: 'fromfile' } });
    const abs = path.join(dir, 'elsewhere', 'idx');
    expect((await load(dir, { VECDEX_DATA_DIR: abs })).dataDir).toBe(abs);
    expect((await load(dir, { VECDEX_DATA_DIR: '' })).dataDir).toBe(path.join(dir, 'fromfile'));
  });

  it('reads process.env when no env is given', async () => {
    const dir = await project();
    const before = process.env.VECDEX_BACKEND;
    process.env.VECDEX_BACKEND = 'pgvector';
    try {
      expect((await loadConfig({ cwd: dir })).backend.use).toBe('@vecdex/backend-pgvector');
    } finally {
      if (before === undefined) delete process.env.VECDEX_BACKEND;
      else process.env.VECDEX_BACKEND = before;
    }
  });
});

describe('the resolved config', () => {
  it('is frozen, down to backend options and plugins', async () => {
    const dir = await project({
      'vecdex.config.json': { backend: { use: 'sqlitevec', options: { path: 'a.db' } }, plugins: ['./x.js'] },
    });
    const cfg = await load(dir);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.backend)).toBe(true);
    expect(Object.isFrozen(cfg.backend.options)).toBe(true);
    expect(Object.isFrozen(cfg.plugins)).toBe(true);
    expect(() => {
      (cfg as { dataDir: string }).dataDir = '/tmp/x';
    }).toThrow(TypeError);
    expect(() => (cfg.plugins as string[]).push('y')).toThrow(TypeError);
  });

  it('does not share the caller’s objects', () => {
    const options: Record<string, unknown> = { path: 'a.db' };
    const plugins = ['./a.js'];
    const cfg = resolveInlineConfig({ backend: { use: 'sqlitevec', options }, plugins }, { cwd: '/work', env: {} });
    options.path = 'changed.db';
    plugins.push('./b.js');
    expect(cfg.backend.options).toEqual({ path: 'a.db' });
    expect(cfg.plugins).toEqual(['./a.js']);
    expect(cfg.baseDir).toBe('/work');
    expect(cfg.dataDir).toBe('/work/.vecdex');
    expect(cfg.configPath).toBeNull();
  });
});
