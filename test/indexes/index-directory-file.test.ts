import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VecdexError } from '@vecdex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX, type TestStore, tempStore } from './helpers.js';

describe('an index directory replaced by a plain file', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await tempStore('vecdex-index-file-');
    const vx = await store.open();
    try {
      await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'cosine' });
      await vx.collection('docs').upsert([
        { id: 'a', vector: [1, 0, 0] },
        { id: 'b', vector: [0, 1, 0] },
      ]);
      await vx.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: ['docs'], default: true });
      await vx.indexes.sync(INDEX);
      await vx.collection('docs').similar([1, 0, 0], { k: 1 });
    } finally {
      await vx.close();
    }
  });
  afterEach(() => store.cleanup());

  it('is moved aside (kept), and the index is rebuilt from the store and reports why', async () => {
    await rm(store.indexDir, { recursive: true, force: true });
    await mkdir(path.dirname(store.indexDir), { recursive: true });
    await writeFile(store.indexDir, 'not an index');
    const vx = await store.open();
    try {
      const hits = await vx.collection('docs').similar([1, 0.1, 0], { k: 1 });
      expect(hits.map((h) => h.id)).toEqual(['a']);
      const status = await vx.indexes.status(INDEX);
      expect(status.lastRebuild).toMatch(/plain file \(moved aside to .*not-a-directory/);
    } finally {
      await vx.close();
    }
    expect((await stat(store.indexDir)).isDirectory()).toBe(true);
    const aside = (await readdir(path.dirname(store.indexDir))).filter((f) => f.startsWith(`${INDEX}.not-a-directory-`));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(path.dirname(store.indexDir), aside[0] as string), 'utf8')).toBe('not an index');
  });

  it('an "indexes" directory replaced by a file is a typed error naming it and saying what to do', async () => {
    const indexes = path.dirname(store.indexDir);
    await rm(indexes, { recursive: true, force: true });
    await mkdir(path.dirname(indexes), { recursive: true });
    await writeFile(indexes, 'x');
    const vx = await store.open();
    try {
      const err = await vx
        .collection('docs')
        .similar([1, 0.1, 0], { k: 1 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(VecdexError);
      expect((err as VecdexError).code).toBe('CONFIG_INVALID');
      expect((err as VecdexError).message).toContain(`${indexes} is a file`);
      expect((err as VecdexError).message).toMatch(/move or remove that file/);
    } finally {
      await vx.close();
    }
    await rm(indexes);
    await mkdir(indexes);
  });
});
