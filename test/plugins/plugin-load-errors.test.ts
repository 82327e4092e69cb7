import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT_VERSION, isVecdexError, loadPlugin, openVecdex, type VecdexError } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * How a third-party plugin package can be wrong, and the error a user gets for each: always a
 * VecdexError naming the package and saying what to do. The packages are real files in a
 * temporary project's node_modules, imported by core the way it imports any plugin.
 */
let project: string;

/** A package `name` whose index.js is `source`; `nested` adds files under its own directory. */
async function pkg(name: string, source: string, nested: Record<string, string> = {}): Promise<void> {
  const dir = path.join(project, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js' }));
  await writeFile(path.join(dir, 'index.js'), source);
  for (const [rel, text] of Object.entries(nested)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

const INDEX_BODY = `kind: 'index', name: 'x', metrics: ['l2'], normalizeParams: (p) => p, async open() { throw new Error('unused'); }`;

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'vecdex-plugin-errors-'));
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  await pkg(
    'vecdex-factory',
    `import { definePlugin } from '@vecdex/core';\nexport default () => definePlugin({ ${INDEX_BODY} });\n`,
  );
  await pkg(
    'vecdex-no-default',
    `import { definePlugin } from '@vecdex/core';\nexport const plugin = definePlugin({ ${INDEX_BODY} });\n`,
  );
  // A plugin built against another major of core: its own nested copy brands it for contract v0.
  await pkg(
    'vecdex-old-contract',
    `import { definePlugin } from '@vecdex/core';\nexport default definePlugin({ ${INDEX_BODY} });\n`,
    {
      'node_modules/@vecdex/core/package.json': JSON.stringify({
        name: '@vecdex/core',
        version: '0.0.1',
        type: 'module',
        main: 'index.js',
      }),
      'node_modules/@vecdex/core/index.js':
        "export const definePlugin = (spec) => Object.freeze({ ...spec, contractVersion: 0, [Symbol.for('vecdex.plugin')]: true });\n",
    },
  );
  await pkg('vecdex-unversioned', `export default { ${INDEX_BODY}, [Symbol.for('vecdex.plugin')]: true };\n`);
  await pkg(
    'vecdex-odd-kind',
    `import { definePlugin } from '@vecdex/core';\nexport default definePlugin({ kind: 'storage', name: 'odd' });\n`,
  );
  await pkg(
    'vecdex-no-open',
    `import { definePlugin } from '@vecdex/core';\nexport default definePlugin({ kind: 'index', name: 'half', metrics: ['l2'], normalizeParams: (p) => p });\n`,
  );
  await pkg(
    'vecdex-no-name',
    `import { definePlugin } from '@vecdex/core';\nexport default definePlugin({ kind: 'backend', async create() {} });\n`,
  );
  // The project's own @vecdex/core: the one the fake plugins above import (the built workspace core).
  const coreLink = path.join(project, 'node_modules', '@vecdex', 'core');
  await mkdir(path.dirname(coreLink), { recursive: true });
  await symlink(fileURLToPath(new URL('../../packages/core', import.meta.url)), coreLink, 'dir');
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

async function failure(ref: string, kind?: 'backend' | 'index'): Promise<VecdexError> {
  try {
    await loadPlugin(ref, { resolvePaths: [project], baseDir: project, ...(kind ? { kind } : {}) });
  } catch (e) {
    if (isVecdexError(e)) return e;
    throw new Error(`expected a VecdexError for ${ref}, got ${String(e)}`);
  }
  throw new Error(`${ref} loaded, but it should have been refused`);
}

describe('plugin packages that cannot be used are refused by name', () => {
  it('a missing package: PLUGIN_NOT_FOUND with the npm install line, also from openVecdex', async () => {
    const err = await failure('vecdex-index-absent');
    expect(err.code).toBe('PLUGIN_NOT_FOUND');
    expect(err.message).toContain('"vecdex-index-absent" is not installed');
    expect(err.message).toContain('npm install vecdex-index-absent');
    const viaOpen = await openVecdex({ config: { plugins: ['vecdex-index-absent'] }, cwd: project, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(isVecdexError(viaOpen, 'PLUGIN_NOT_FOUND')).toBe(true);
    expect((viaOpen as VecdexError).details.plugin).toBe('vecdex-index-absent');
  });

  it('a default export that is a factory function: PLUGIN_INVALID saying to export the plugin itself', async () => {
    const err = await failure('vecdex-factory');
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe(
      'vecdex-factory is not a vecdex plugin: its default export must be made with definePlugin() from @vecdex/core (it is a function: export the plugin itself, `export default definePlugin({ ... })`, not a factory)',
    );
  });

  it('no default export at all: PLUGIN_INVALID saying so', async () => {
    const err = await failure('vecdex-no-default');
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toMatch(/^vecdex-no-default is not a vecdex plugin: .* \(the module has no default export\)$/);
  });

  it('a plugin built against another contract version: PLUGIN_CONTRACT_MISMATCH naming both versions', async () => {
    const err = await failure('vecdex-old-contract');
    expect(err.code).toBe('PLUGIN_CONTRACT_MISMATCH');
    expect(err.message).toBe(
      `vecdex-old-contract was built for vecdex plugin contract v0, but this @vecdex/core implements v${CONTRACT_VERSION}; install versions of vecdex-old-contract and @vecdex/core that match`,
    );
    expect(err.details).toEqual({ plugin: 'vecdex-old-contract', pluginVersion: 0, coreVersion: CONTRACT_VERSION });
  });

  it('a branded object without a contract version: PLUGIN_INVALID, not "contract vundefined"', async () => {
    const err = await failure('vecdex-unversioned');
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe(
      'vecdex-unversioned declares no plugin contract version; make its default export with definePlugin() from @vecdex/core',
    );
  });

  it('an unknown kind: PLUGIN_INVALID listing the kinds (it is not filed as a provider)', async () => {
    const err = await failure('vecdex-odd-kind');
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe('vecdex-odd-kind declares plugin kind "storage"; it must be one of: backend, index, provider');
  });

  it('a plugin missing a member core calls: PLUGIN_INVALID naming the member, at load time', async () => {
    const err = await failure('vecdex-no-open');
    expect(err.message).toBe('vecdex-no-open is not a valid index plugin: "open" must be a function');
    expect(err.details).toEqual({ plugin: 'vecdex-no-open', member: 'open' });
    const nameless = await failure('vecdex-no-name', 'backend');
    expect(nameless.message).toBe('vecdex-no-name has no name; give definePlugin() a non-empty "name"');
  });
});
