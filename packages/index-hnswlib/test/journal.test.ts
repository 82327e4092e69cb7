import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexChange, IndexEntry, JsonValue, VectorIndex } from '@vecdex/core';
import { afterEach, describe, expect, it } from 'vitest';
import { batches, openIndex, randomVector, rng, tempDir } from './helpers.js';

const DIMS = 12;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function setup(params: { [key: string]: JsonValue } = {}) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const rand = rng(31);
  const entries: IndexEntry[] = Array.from({ length: 600 }, (_, i) => ({
    collection: 'a',
    id: `i${i}`,
    vector: randomVector(rand, DIMS),
  }));
  const index = await openIndex(dir, 'l2', DIMS, { initialCapacity: 600, ...params });
  await index.build(batches(entries, 200));
  const first = await index.save({ cursor: '1' });
  return { dir, rand, index, first };
}

/** New keys (past the capacity, and onto freed labels), updates of live keys and deletes. */
function churn(rand: () => number, round: number): IndexChange[] {
  const out: IndexChange[] = [];
  for (let i = 0; i < 10; i++) out.push({ op: 'delete', collection: 'a', id: `i${400 + round * 10 + i}` });
  for (let i = 0; i < 30; i++)
    out.push({ op: 'upsert', collection: 'a', id: `n${round}-${i}`, vector: randomVector(rand, DIMS) });
  for (let i = 0; i < 20; i++)
    out.push({ op: 'upsert', collection: 'a', id: `i${round * 20 + i}`, vector: randomVector(rand, DIMS) });
  return out;
}

/** Answers at an efSearch past the entry count: exact, whatever the levels of replayed points. */
async function answers(index: VectorIndex, queries: Float32Array[]) {
  return Promise.all(queries.map(async (q) => (await index.search(q, { k: 10, params: { efSearch: 2000 } })).map((h) => h.id)));
}

describe('hnswlib saves a sync as a journal', () => {
  it('appends the changes instead of rewriting the graph; a new process replays them to the same entries', async () => {
    const { dir, rand, index, first } = await setup();
    for (let round = 0; round < 3; round++) {
      await index.apply(churn(rand, round));
      expect(await index.save({ cursor: String(round + 2) })).toMatchObject({
        generation: first.generation,
        indexSha256: first.indexSha256,
        journal: round + 1,
      });
    }
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith('journal.'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('index.'))).toEqual([first.indexFile]);
    const queries = Array.from({ length: 30 }, () => randomVector(rand, DIMS));
    const before = await answers(index, queries);
    const state = await index.save({ cursor: '9' });
    const again = await openIndex(dir, 'l2', DIMS, { initialCapacity: 600 });
    expect(await again.load(state)).toBe(true);
    const { items, deleted, slots } = index.stats();
    expect(again.stats()).toMatchObject({ items, deleted, slots, cursor: '9', generation: first.generation });
    expect(await answers(again, queries)).toEqual(before);
    expect((await again.verify?.(state))?.ok).toBe(true);
    await index.close();
    await again.close();
  });

  it('search workers replay the journals too: searchMany answers as search does', async () => {
    const { rand, index } = await setup({ searchWorkers: 1 });
    await index.apply(churn(rand, 0));
    expect(await index.save({ cursor: '2' })).toMatchObject({ journal: 1 });
    const queries = Array.from({ length: 60 }, () => randomVector(rand, DIMS));
    const options = { k: 10, params: { efSearch: 2000 } };
    const expected = await Promise.all(queries.map((q) => index.search(q, options)));
    const started = Date.now();
    for (;;) {
      expect(await index.searchMany?.(queries, options)).toEqual(expected);
      if ((index.stats().searchWorkersReady as number) > 0 || Date.now() - started > 5000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(index.stats().searchWorkersReady, 'the worker read the graph and replayed the journal').toBe(1);
    expect(await index.searchMany?.(queries, options)).toEqual(expected);
    // A save of the cursor alone names the same files: the worker stays (no new read and replay).
    expect(await index.save({ cursor: '3' })).toMatchObject({ journal: 1 });
    expect(index.stats().searchWorkersReady).toBe(1);
    await index.close();
  });

  it('writes whole after journalFiles journals; a damaged journal makes load return false', async () => {
    const { dir, rand, index, first } = await setup({ journalFiles: 1 });
    await index.apply(churn(rand, 0));
    const journaled = await index.save({ cursor: '2' });
    expect(journaled).toMatchObject({ journal: 1, generation: first.generation });
    const name = (await readdir(dir)).find((n) => n.startsWith('journal.')) as string;
    const bytes = await readFile(path.join(dir, name));
    bytes[30] ^= 0x10;
    await writeFile(path.join(dir, name), bytes);
    const broken = await openIndex(dir, 'l2', DIMS);
    expect(await broken.load(journaled)).toBe(false);
    expect(broken.stats().lastLoadProblem).toMatch(/fails its checksum/);

    await index.apply(churn(rand, 1));
    expect(await index.save({ cursor: '3' })).toMatchObject({ journal: 0, generation: (first.generation as number) + 1 });
    expect((await readdir(dir)).filter((n) => n.startsWith('journal.'))).toEqual([]);
    await index.close();
  });
});
