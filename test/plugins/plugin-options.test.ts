import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddingProvider, definePlugin, openVecdex, VecdexError } from '@vecdex/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'vdx-opts-'));
  dirs.push(d);
  return d;
}

async function failure(p: Promise<unknown>): Promise<VecdexError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VecdexError);
  return err as VecdexError;
}

describe('backend option keys', () => {
  it('refuses a typo in sqlitevec options, naming the key, the plugin and the closest key, and opens no default file', async () => {
    const cwd = tmp();
    const err = await failure(
      openVecdex({ config: { backend: { use: 'sqlitevec', options: { pth: './x.db' } } }, cwd, env: {}, resolvePaths: [here] }),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('"pth"');
    expect(err.message).toContain('"sqlitevec"');
    expect(err.message).toContain('did you mean "path"?');
    expect(existsSync(path.join(cwd, 'vecdex.db'))).toBe(false);
    expect(existsSync(path.join(cwd, 'x.db'))).toBe(false);
  });

  it('accepts the declared sqlitevec keys', async () => {
    const cwd = tmp();
    const vx = await openVecdex({
      config: { backend: { use: 'sqlitevec', options: { path: './x.db', busyTimeoutMs: 1000 } } },
      cwd,
      env: {},
      resolvePaths: [here],
    });
    await vx.close();
    expect(existsSync(path.join(cwd, 'x.db'))).toBe(true);
  });

  it('refuses an unknown pgvector key before connecting', async () => {
    const err = await failure(
      openVecdex({
        config: { backend: { use: 'pgvector', options: { connectionStrng: 'postgres://127.0.0.1:1/x' } } },
        cwd: tmp(),
        env: {},
        resolvePaths: [here],
      }),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('did you mean "connectionString"?');
  });

  it('refuses an unknown key in embedding.options for a provider plugin that declares its keys', async () => {
    const provider = definePlugin({
      kind: 'provider',
      name: 'fixed',
      options: ['scale'],
      async create() {
        return {
          name: 'fixed',
          model: 'm',
          dimensions: 2,
          embed: async (t: readonly string[]) => t.map(() => new Float32Array([1, 0])),
        };
      },
    });
    const cwd = tmp();
    const vx = await openVecdex({
      config: { plugins: [provider], embedding: { provider: 'fixed', options: { scal: 2 } } },
      cwd,
      env: {},
      resolvePaths: [here],
    });
    try {
      const err = await failure(createEmbeddingProvider(vx.plugins, vx.config.embedding, {}));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain('unknown option "scal" for plugin "fixed"');
      expect(err.message).toContain('did you mean "scale"?');
    } finally {
      await vx.close();
    }
  });

  it('refuses a plugin whose "options" is not a list of names', async () => {
    const bad = definePlugin({
      kind: 'backend',
      name: 'bad',
      options: 'path' as unknown as string[],
      create: async () => ({}) as never,
    });
    const err = await failure(openVecdex({ config: { backend: { use: bad } }, cwd: tmp(), env: {}, resolvePaths: [here] }));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toContain('"options" must be an array');
  });
});
