import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IndexEntry, StorageBackend } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function* once(entries: IndexEntry[]) {
  yield entries;
}

describe('usearch searchMany on several threads', () => {
  it('answers after a serial build and a serial apply (one search context reserved) like single searches', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'vecdex-usearch-threads-'));
    dirs.push(directory);
    const index = await plugin.open({
      definition: {
        name: 't',
        plugin: 'usearch',
        collections: ['a'],
        params: plugin.normalizeParams({ threads: 2 }),
        createdAt: 1,
      },
      dimensions: 16,
      metric: 'l2',
      directory,
      backend: {} as StorageBackend,
    });
    const rng = new Random(5);
    // Under 10,000 entries the build adds on one thread, which leaves usearch one search context.
    await index.build(once(Array.from({ length: 2000 }, (_, i) => ({ collection: 'a', id: `i${i}`, vector: rng.vector(16) }))));
    const queries = Array.from({ length: 300 }, () => rng.vector(16));
    const single = [];
    for (const q of queries) single.push((await index.search(q, { k: 5 })).map((h) => h.id));
    // Without a context per thread, a multi-threaded search failed at random (most runs here).
    for (let round = 0; round < 20; round++) {
      const many = await index.searchMany?.(queries, { k: 5 });
      expect(many?.map((hits) => hits.map((h) => h.id))).toEqual(single);
    }
    await index.apply?.([{ op: 'upsert', collection: 'a', id: 'new', vector: rng.vector(16) }]);
    for (let round = 0; round < 5; round++) expect((await index.searchMany?.(queries, { k: 5 }))?.length).toBe(300);
    await index.close();
  });
});
