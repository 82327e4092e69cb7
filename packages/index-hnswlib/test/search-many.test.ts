import type { IndexEntry } from '@vecdex/core';
import { afterEach, describe, expect, it } from 'vitest';
import { batches, openIndex, randomVector, rng, tempDir } from './helpers.js';

const DIMS = 24;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function filled(params: { searchWorkers: number }, integers: boolean) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const rand = rng(21);
  const entries: IndexEntry[] = Array.from({ length: 1500 }, (_, i) => {
    const v = randomVector(rand, DIMS);
    return { collection: i % 2 ? 'a' : 'b', id: `k${i % 1200}`, vector: integers ? v.map((x) => Math.round(x * 100)) : v };
  });
  const index = await openIndex(dir, 'l2', DIMS, { ...params, efSearch: 50 });
  await index.build(batches(entries, 300));
  await index.apply(entries.slice(0, 100).map((e) => ({ op: 'delete', collection: e.collection, id: e.id })));
  const queries = Array.from({ length: 60 }, () => {
    const v = randomVector(rand, DIMS);
    return integers ? v.map((x) => Math.round(x * 100)) : v;
  });
  return { index, queries };
}

async function waitForWorkers(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('searchMany', () => {
  for (const integers of [false, true]) {
    it(`with search workers (${integers ? 'integer' : 'float'} vectors): every query answered as search answers it`, async () => {
      const { index, queries } = await filled({ searchWorkers: 1 }, integers);
      const one = async () => Promise.all(queries.map((q) => index.search(q, { k: 10 })));
      const expected = await one();
      // Not saved yet: the workers have no file; the batch runs here.
      expect(await index.searchMany?.(queries, { k: 10 })).toEqual(expected);
      await index.save();
      // The first batch after a save starts the worker; wait until it has read the file and takes a share.
      const started = Date.now();
      await waitForWorkers(async () => {
        const got = await index.searchMany?.(queries, { k: 10 });
        expect(got).toEqual(expected);
        return Date.now() - started > 3000 || (index.stats().searchWorkersReady as number) > 0;
      });
      expect(index.stats().searchWorkersReady, 'the worker read the saved file').toBe(1);
      expect(await index.searchMany?.(queries, { k: 10, params: { efSearch: 200 } })).toEqual(
        await Promise.all(queries.map((q) => index.search(q, { k: 10, params: { efSearch: 200 } }))),
      );
      // A change after the save: the worker's copy is stale, so this thread answers everything.
      await index.apply([{ op: 'upsert', collection: 'a', id: 'fresh', vector: queries[0] as Float32Array }]);
      const after = await index.searchMany?.(queries, { k: 10 });
      expect(after?.[0]?.[0]).toMatchObject({ collection: 'a', id: 'fresh' });
      await index.close();
    });
  }
});
