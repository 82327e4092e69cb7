import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isVecdexError, openVecdex } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin, { createJsonFileBackend } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-jsonfile-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = { name: 'docs', dimensions: 3, metric: 'l2' as const, model: null };
const item = (id: string, x: number) => ({ id, vector: new Float32Array([x, 1, 2]), content: null, metadata: { x } });

describe('the snapshot file', () => {
  it('is complete JSON after every write, with no temporary file left behind', async () => {
    const file = path.join(dir, 'nested', 'store.json');
    const b = await createJsonFileBackend({ path: file });
    await b.createCollection(spec);
    for (let i = 0; i < 5; i++) {
      await b.upsert('docs', [item(`i${i}`, i)]);
      const snapshot = JSON.parse(await readFile(file, 'utf8'));
      expect(snapshot.items.docs).toHaveLength(i + 1);
      expect(await readdir(path.dirname(file))).toEqual(['store.json']);
    }
    await b.close();
  });

  it('a write that cannot be saved fails with BACKEND_FAILURE and changes nothing, in memory or on disk', async () => {
    const file = path.join(dir, 'store.json');
    const b = await createJsonFileBackend({ path: file });
    await b.createCollection(spec);
    await b.upsert('docs', [item('kept', 1)]);
    const before = await readFile(file, 'utf8');
    // A directory where the temporary file goes makes the save fail for real (even as root).
    await mkdir(`${file}.tmp`);
    const err = await expectVecdexError(b.upsert('docs', [item('lost', 2), item('kept', 9)]), 'BACKEND_FAILURE');
    expect(err.message).toContain(file);
    expect(err.message).toContain('nothing was changed');
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await b.get('docs', ['kept', 'lost'])).map((i) => [i.id, i.metadata])).toEqual([['kept', { x: 1 }]]);
    expect(await b.countChanges(['docs'], null)).toBe(1);
    await rm(`${file}.tmp`, { recursive: true });
    await b.upsert('docs', [item('later', 3)]);
    expect(await b.count('docs')).toBe(2);
    await b.close();
  });

  it('a file that is not a jsonfile store is refused with STORE_CORRUPT naming it', async () => {
    const file = path.join(dir, 'store.json');
    await writeFile(file, '{"hello":');
    const err = await expectVecdexError(createJsonFileBackend({ path: file }), 'STORE_CORRUPT');
    expect(err.message).toContain(file);
    await writeFile(file, '{"format":"something-else"}');
    await expectVecdexError(createJsonFileBackend({ path: file }), 'STORE_CORRUPT');
  });

  it('a store written by a newer version is refused with STORE_SCHEMA_TOO_NEW', async () => {
    const file = path.join(dir, 'store.json');
    await writeFile(file, JSON.stringify({ format: 'vecdex-backend-jsonfile', version: 99 }));
    const err = await expectVecdexError(createJsonFileBackend({ path: file }), 'STORE_SCHEMA_TOO_NEW');
    expect(err.message).toContain('upgrade');
  });
});

describe('as a configured plugin', () => {
  it('resolves a relative path against the config file, and VECDEX_JSONFILE_PATH overrides it', async () => {
    const project = path.join(dir, 'project');
    await mkdir(path.join(project, 'sub'), { recursive: true });
    await writeFile(path.join(project, 'package.json'), '{"name":"p"}');
    const config = { backend: { use: plugin, options: { path: './data/store.json' } } };
    const vx = await openVecdex({ config, cwd: project, env: {} });
    await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'l2' });
    await vx.close();
    expect(JSON.parse(await readFile(path.join(project, 'data', 'store.json'), 'utf8')).collections).toHaveLength(1);

    const other = path.join(dir, 'elsewhere.json');
    const vx2 = await openVecdex({ config, cwd: project, env: { VECDEX_JSONFILE_PATH: other } });
    expect(await vx2.collections.list()).toEqual([]);
    await vx2.collections.create({ name: 'other', dimensions: 2, metric: 'cosine' });
    await vx2.close();
    expect(JSON.parse(await readFile(other, 'utf8')).collections[0].name).toBe('other');
  });

  it('refuses a bad path option with CONFIG_INVALID', async () => {
    const err = await openVecdex({ config: { backend: { use: plugin, options: { path: 42 } } }, cwd: dir, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(isVecdexError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('"path"');
  });
});
