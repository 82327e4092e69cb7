import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTRACT_VERSION,
  definePlugin,
  isPlugin,
  loadPlugin,
  openVecdex,
  PluginRegistry,
  resolvePackageEntry,
  type IndexPluginSpec,
  type ProviderPluginSpec,
  type VecdexPlugin,
} from '../src/index.js';
import { cleanup, DIST_INDEX, expectVecdexError, expectVecdexErrorSync, tempDir, writeFiles } from './helpers.js';

afterAll(cleanup);

const IMPORT_CORE = `import { definePlugin } from ${JSON.stringify(DIST_INDEX)};`;

/** ESM source of a plugin module exporting definePlugin(spec) with the given kind and name. */
function pluginSource(kind: 'index' | 'backend' | 'provider', name: string): string {
  const body =
    kind === 'index'
      ? `metrics: ['l2'], normalizeParams: (p) => p, async open() { throw new Error('not used'); }`
      : kind === 'backend'
        ? `async create() { throw new Error('not used'); }`
        : `async create() { throw new Error('not used'); }`;
  return `${IMPORT_CORE}\nexport default definePlugin({ kind: ${JSON.stringify(kind)}, name: ${JSON.stringify(name)}, ${body} });\n`;
}

/** A fake installed package: node_modules/<name>/package.json + its entry. */
function pkg(name: string, pkgJson: object, files: Record<string, string>): Record<string, string | object> {
  const out: Record<string, string | object> = {
    [`node_modules/${name}/package.json`]: { name, version: '1.0.0', type: 'module', ...pkgJson },
  };
  for (const [rel, content] of Object.entries(files)) out[`node_modules/${name}/${rel}`] = content;
  return out;
}

let root: string; // a project with node_modules at its root
let deep: string; // a directory nested inside it

beforeAll(async () => {
  root = await tempDir('vecdex-registry-');
  deep = path.join(root, 'apps', 'web', 'src');
  await writeFiles(root, {
    'package.json': { name: 'proj', private: true, type: 'module' },
    'apps/web/src/.keep': '',
    ...pkg('vecdex-index-fake', { main: 'index.js' }, { 'index.js': pluginSource('index', 'fake') }),
    ...pkg(
      '@acme/vecdex-x',
      { exports: { '.': { import: './lib/entry.js' } } },
      { 'lib/entry.js': pluginSource('provider', 'acme-x') },
    ),
    ...pkg(
      'vecdex-exports-string',
      { exports: './src/main.js', main: './wrong.js' },
      { 'src/main.js': pluginSource('index', 'exp-str') },
    ),
    ...pkg(
      'vecdex-conditions',
      { exports: { '.': { types: './x.d.ts', require: './cjs.cjs', import: { types: './y.d.ts', default: './esm.js' } } } },
      { 'esm.js': pluginSource('index', 'conditions'), 'cjs.cjs': 'throw new Error("the require condition was used")' },
    ),
    ...pkg('vecdex-backend-fake', { main: 'index.js' }, { 'index.js': pluginSource('backend', 'fake-backend') }),
    ...pkg('vecdex-not-a-plugin', { main: 'index.js' }, { 'index.js': "export default { kind: 'index', name: 'imposter' };\n" }),
    ...pkg('vecdex-named-only', { main: 'index.js' }, { 'index.js': `${IMPORT_CORE}\nexport const plugin = 1;\n` }),
    ...pkg(
      'vecdex-future',
      { main: 'index.js' },
      {
        'index.js': `${IMPORT_CORE}\nconst p = definePlugin({ kind: 'index', name: 'future', metrics: [], normalizeParams: (x) => x, async open() {} });\nexport default { ...p, contractVersion: 999 };\n`,
      },
    ),
    ...pkg(
      'vecdex-throws',
      { main: 'index.js' },
      { 'index.js': "throw new Error('native binding failed to load: libfoo.so');\n" },
    ),
    ...pkg(
      'vecdex-missing-dep',
      { main: 'index.js' },
      { 'index.js': `import 'some-dependency-that-is-not-installed';\n${pluginSource('index', 'md')}` },
    ),
    ...pkg('vecdex-unbuilt', { main: 'dist/index.js' }, {}),
    'node_modules/vecdex-bad-json/package.json': '{ "name": "vecdex-bad-json", ',
    'plugins/local.js': pluginSource('index', 'local'),
    'plugins/local-backend.js': pluginSource('backend', 'local-backend'),
    'plugins/syntax.js': 'export default definePlugin({ kind: \n',
  });
});

const opts = (extra: object = {}) => ({ resolvePaths: [deep], baseDir: root, ...extra });

describe('loadPlugin resolves plugins', () => {
  it('finds a package by walking up node_modules from the resolve paths', async () => {
    const p = await loadPlugin('vecdex-index-fake', opts());
    expect(isPlugin(p)).toBe(true);
    expect(p.kind).toBe('index');
    expect(p.name).toBe('fake');
    expect(p.contractVersion).toBe(CONTRACT_VERSION);
  });

  it('finds a scoped package whose exports map has only an "import" condition', async () => {
    const p = await loadPlugin('@acme/vecdex-x', opts({ kind: 'provider' }));
    expect(p.name).toBe('acme-x');
    expect(resolvePackageEntry('@acme/vecdex-x', [deep])).toBe(
      path.join(root, 'node_modules', '@acme', 'vecdex-x', 'lib', 'entry.js'),
    );
  });

  it('prefers exports over main, and the import condition over require', async () => {
    expect((await loadPlugin('vecdex-exports-string', opts())).name).toBe('exp-str');
    expect((await loadPlugin('vecdex-conditions', opts())).name).toBe('conditions');
    expect(resolvePackageEntry('vecdex-conditions', [deep])).toBe(path.join(root, 'node_modules', 'vecdex-conditions', 'esm.js'));
  });

  it('tries each resolve path in turn', async () => {
    const elsewhere = await tempDir('vecdex-empty-');
    expect(resolvePackageEntry('vecdex-index-fake', [elsewhere])).toBeNull();
    expect(resolvePackageEntry('vecdex-index-fake', [elsewhere, deep])).toBe(
      path.join(root, 'node_modules', 'vecdex-index-fake', 'index.js'),
    );
    expect((await loadPlugin('vecdex-index-fake', { resolvePaths: [elsewhere, deep], baseDir: elsewhere })).name).toBe('fake');
  });

  it('loads a relative file path against baseDir, and an absolute one', async () => {
    expect((await loadPlugin('./plugins/local.js', opts())).name).toBe('local');
    expect((await loadPlugin(path.join(root, 'plugins', 'local.js'), { resolvePaths: [], baseDir: '/' })).name).toBe('local');
  });

  it('accepts a plugin object as given', async () => {
    const plugin = definePlugin({
      kind: 'index',
      name: 'inline',
      metrics: ['l2'],
      normalizeParams: (p) => p,
      open: async () => ({}) as never,
    });
    expect(await loadPlugin(plugin, opts({ kind: 'index' }))).toBe(plugin);
  });
});

describe('loadPlugin failures', () => {
  it('a missing package is PLUGIN_NOT_FOUND, naming it and saying to install it', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-index-nowhere', opts()), 'PLUGIN_NOT_FOUND');
    expect(err.message).toBe(
      'plugin package "vecdex-index-nowhere" is not installed; install it in your project (npm install vecdex-index-nowhere) or fix the name in your vecdex config',
    );
    expect(err.details.plugin).toBe('vecdex-index-nowhere');
    const scoped = await expectVecdexError(() => loadPlugin('@acme/vecdex-nowhere', opts()), 'PLUGIN_NOT_FOUND');
    expect(scoped.message).toContain('npm install @acme/vecdex-nowhere');
  });

  it('a missing file is PLUGIN_NOT_FOUND with its absolute path', async () => {
    const err = await expectVecdexError(() => loadPlugin('./plugins/nope.js', opts()), 'PLUGIN_NOT_FOUND');
    expect(err.message).toBe(`plugin file ${path.join(root, 'plugins', 'nope.js')} was not found`);
  });

  it('a default export not made by definePlugin is PLUGIN_INVALID', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-not-a-plugin', opts()), 'PLUGIN_INVALID');
    expect(err.message).toBe(
      'vecdex-not-a-plugin is not a vecdex plugin: its default export must be made with definePlugin() from @vecdex/core',
    );
    const named = await expectVecdexError(() => loadPlugin('vecdex-named-only', opts()), 'PLUGIN_INVALID');
    expect(named.message).toContain('vecdex-named-only is not a vecdex plugin');
    const obj = await expectVecdexError(() => loadPlugin({ kind: 'index', name: 'raw' } as never, opts()), 'PLUGIN_INVALID');
    expect(obj.message).toContain('plugin "raw" is not a vecdex plugin');
  });

  it('another contract version is PLUGIN_CONTRACT_MISMATCH naming the package', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-future', opts()), 'PLUGIN_CONTRACT_MISMATCH');
    expect(err.message).toBe(
      `vecdex-future was built for vecdex plugin contract v999, but this @vecdex/core implements v${CONTRACT_VERSION}; install versions of vecdex-future and @vecdex/core that match`,
    );
    expect(err.details).toEqual({ plugin: 'vecdex-future', pluginVersion: 999, coreVersion: CONTRACT_VERSION });
  });

  it('the wrong kind is PLUGIN_INVALID', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-index-fake', opts({ kind: 'backend' })), 'PLUGIN_INVALID');
    expect(err.message).toBe('vecdex-index-fake is an index plugin, but a backend plugin is needed here');
    expect(err.details).toEqual({ plugin: 'vecdex-index-fake', kind: 'index', expected: 'backend' });
    const err2 = await expectVecdexError(
      () => loadPlugin('./plugins/local-backend.js', opts({ kind: 'index' })),
      'PLUGIN_INVALID',
    );
    expect(err2.message).toBe('./plugins/local-backend.js is a backend plugin, but an index plugin is needed here');
  });

  it('a plugin whose own import throws is PLUGIN_INVALID with the cause', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-throws', opts()), 'PLUGIN_INVALID');
    expect(err.message).toBe('plugin "vecdex-throws" failed to load: native binding failed to load: libfoo.so');
    expect((err.cause as Error).message).toBe('native binding failed to load: libfoo.so');
  });

  it('a plugin file with a syntax error is PLUGIN_INVALID', async () => {
    const err = await expectVecdexError(() => loadPlugin('./plugins/syntax.js', opts()), 'PLUGIN_INVALID');
    expect(err.message).toMatch(/^plugin "\.\/plugins\/syntax\.js" failed to load: \S/);
    expect(err.cause).toBeDefined();
  });

  it('an installed plugin missing one of its own dependencies is PLUGIN_INVALID, not "not installed"', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-missing-dep', opts()), 'PLUGIN_INVALID');
    expect(err.message).toContain('plugin "vecdex-missing-dep" failed to load');
    expect(err.message).toContain('some-dependency-that-is-not-installed');
    expect(err.message).not.toContain('npm install vecdex-missing-dep');
  });

  it('an installed package without its entry file is PLUGIN_INVALID naming the file', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-unbuilt', opts()), 'PLUGIN_INVALID');
    expect(err.message).toContain(path.join(root, 'node_modules', 'vecdex-unbuilt', 'dist', 'index.js'));
    expect(err.message).toContain('does not exist');
  });

  it('a package with a broken package.json is PLUGIN_INVALID, not a raw SyntaxError', async () => {
    const err = await expectVecdexError(() => loadPlugin('vecdex-bad-json', opts()), 'PLUGIN_INVALID');
    expect(err.message).toMatch(/^plugin "vecdex-bad-json" failed to load: /);
  });
});

describe('loadPlugin in plain Node (outside vitest, built core)', () => {
  it('classifies each outcome by what Node reports', async () => {
    const refs = [
      '@acme/vecdex-x',
      'vecdex-index-nowhere',
      'vecdex-missing-dep',
      'vecdex-throws',
      './plugins/syntax.js',
      './plugins/nope.js',
    ];
    const script = `import { loadPlugin } from ${JSON.stringify(DIST_INDEX)};
const out = [];
for (const ref of ${JSON.stringify(refs)}) {
  try { const p = await loadPlugin(ref, { resolvePaths: [${JSON.stringify(deep)}], baseDir: ${JSON.stringify(root)} }); out.push(p.name); }
  catch (e) { out.push(e.code + ': ' + e.message + ' | ' + (e.cause?.name ?? '')); }
}
process.stdout.write(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const [scoped, absent, missingDep, throws, syntax, nofile] = JSON.parse(stdout) as string[];
    expect(scoped).toBe('acme-x');
    expect(absent).toMatch(/^PLUGIN_NOT_FOUND: plugin package "vecdex-index-nowhere" is not installed/);
    expect(missingDep).toMatch(
      /^PLUGIN_INVALID: plugin "vecdex-missing-dep" failed to load: Cannot find package 'some-dependency-that-is-not-installed'/,
    );
    expect(throws).toBe(
      'PLUGIN_INVALID: plugin "vecdex-throws" failed to load: native binding failed to load: libfoo.so | Error',
    );
    expect(syntax).toMatch(/^PLUGIN_INVALID: plugin "\.\/plugins\/syntax\.js" failed to load: .* \| SyntaxError$/);
    expect(nofile).toBe(`PLUGIN_NOT_FOUND: plugin file ${path.join(root, 'plugins', 'nope.js')} was not found | `);
  });
});

describe('PluginRegistry', () => {
  const index = (name: string) =>
    definePlugin<IndexPluginSpec>({
      kind: 'index',
      name,
      metrics: ['l2'],
      normalizeParams: (p) => p,
      open: async () => ({}) as never,
    });
  const provider = (name: string) =>
    definePlugin<ProviderPluginSpec>({ kind: 'provider', name, create: async () => ({}) as never });

  it('holds index and provider plugins by name', () => {
    const reg = new PluginRegistry();
    const a = index('hnsw');
    const b = index('faiss');
    const p = provider('hnsw');
    reg.add(a);
    reg.add(b);
    reg.add(p);
    expect(reg.index('hnsw')).toBe(a);
    expect(reg.index('faiss')).toBe(b);
    expect(reg.provider('hnsw')).toBe(p);
    expect(reg.indexNames()).toEqual(['hnsw', 'faiss']);
    expect(reg.providerNames()).toEqual(['hnsw']);
  });

  it('refuses two plugins of one kind with the same name', () => {
    const reg = new PluginRegistry();
    reg.add(index('hnsw'));
    const err = expectVecdexErrorSync(() => reg.add(index('hnsw')), 'PLUGIN_INVALID');
    expect(err.message).toBe('two index plugins are named "hnsw"; load only one');
    reg.add(provider('openai'));
    expect(expectVecdexErrorSync(() => reg.add(provider('openai')), 'PLUGIN_INVALID').message).toContain('two provider plugins');
  });

  it('refuses a backend plugin', () => {
    const backend = definePlugin({ kind: 'backend', name: 'store', create: async () => ({}) as never });
    expect(expectVecdexErrorSync(() => new PluginRegistry().add(backend as VecdexPlugin), 'PLUGIN_INVALID').message).toContain(
      'name it under "backend" in the config',
    );
  });

  it('an unknown plugin is PLUGIN_NOT_FOUND listing what is loaded', () => {
    const reg = new PluginRegistry();
    const none = expectVecdexErrorSync(() => reg.index('hnswlib'), 'PLUGIN_NOT_FOUND');
    expect(none.message).toBe(
      'no index plugin named "hnswlib" (no index plugins are loaded); add its package to "plugins" in your vecdex config',
    );
    reg.add(index('faiss'));
    reg.add(index('flat'));
    const some = expectVecdexErrorSync(() => reg.index('hnswlib'), 'PLUGIN_NOT_FOUND');
    expect(some.message).toContain('(loaded: faiss, flat)');
    expect(some.details).toEqual({ kind: 'index', name: 'hnswlib' });
    expect(expectVecdexErrorSync(() => reg.provider('faiss'), 'PLUGIN_NOT_FOUND').message).toContain(
      'no provider plugins are loaded',
    );
  });
});

describe('openVecdex plugin loading', () => {
  it('a backend package that is not installed is PLUGIN_NOT_FOUND naming it', async () => {
    const err = await expectVecdexError(
      () => openVecdex({ config: { backend: { use: '@acme/vecdex-backend-absent', options: {} } }, cwd: root, env: {} }),
      'PLUGIN_NOT_FOUND',
    );
    expect(err.message).toContain('plugin package "@acme/vecdex-backend-absent" is not installed');
  });

  it('a config file naming a missing backend, found by search', async () => {
    const dir = await tempDir('vecdex-open-');
    await writeFiles(dir, { 'package.json': { name: 'x' }, 'vecdex.config.json': { backend: 'vecdex-backend-absent' } });
    const err = await expectVecdexError(() => openVecdex({ cwd: dir, env: {} }), 'PLUGIN_NOT_FOUND');
    expect(err.details.plugin).toBe('vecdex-backend-absent');
  });

  it('a missing index plugin fails before the backend is opened', async () => {
    const err = await expectVecdexError(
      () =>
        openVecdex({
          config: { backend: 'vecdex-backend-fake', plugins: ['vecdex-index-fake', 'vecdex-index-absent'] },
          cwd: root,
          env: {},
        }),
      'PLUGIN_NOT_FOUND',
    );
    expect(err.details.plugin).toBe('vecdex-index-absent');
  });

  it('an index package named as the backend is PLUGIN_INVALID', async () => {
    const err = await expectVecdexError(
      () => openVecdex({ config: { backend: 'vecdex-index-fake' }, cwd: root, env: {} }),
      'PLUGIN_INVALID',
    );
    expect(err.message).toBe('vecdex-index-fake is an index plugin, but a backend plugin is needed here');
  });

  it('a backend package listed under plugins is refused by the registry', async () => {
    const err = await expectVecdexError(
      () => openVecdex({ config: { backend: 'vecdex-backend-fake', plugins: ['vecdex-backend-fake'] }, cwd: root, env: {} }),
      'PLUGIN_INVALID',
    );
    expect(err.message).toContain('"fake-backend" is a backend plugin');
  });

  it('VECDEX_BACKEND overrides the configured backend', async () => {
    const err = await expectVecdexError(
      () => openVecdex({ config: { backend: 'vecdex-backend-fake' }, cwd: root, env: { VECDEX_BACKEND: 'vecdex-backend-gone' } }),
      'PLUGIN_NOT_FOUND',
    );
    expect(err.details.plugin).toBe('vecdex-backend-gone');
  });
});
