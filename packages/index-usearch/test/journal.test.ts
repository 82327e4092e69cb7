import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IndexChange, IndexEntry, JsonValue, StorageBackend, VectorIndex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const DIMS = 8;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function* once(entries: IndexEntry[]) {
  yield entries;
}

async function open(directory: string, params: { [key: string]: JsonValue } = {}): Promise<VectorIndex> {
  return plugin.open({
    definition: {
      name: 'j',
      plugin: 'usearch',
      collections: ['a'],
      params: plugin.normalizeParams({ threads: 1, ...params }),
      createdAt: 1,
    },
    dimensions: DIMS,
    metric: 'l2',
    directory,
    backend: {} as StorageBackend,
  });
}

async function setup(params: { [key: string]: JsonValue } = {}) {
  const directory = await mkdtemp(path.join(tmpdir(), 'vecdex-usearch-journal-'));
  dirs.push(directory);
  const rng = new Random(11);
  const index = await open(directory, params);
  await index.build(once(Array.from({ length: 500 }, (_, i) => ({ collection: 'a', id: `i${i}`, vector: rng.vector(DIMS) }))));
  const first = await index.save({ cursor: '1' });
  return { directory, rng, index, first };
}

/** Upserts of new and existing keys, and deletes, as a sync hands them over. */
function churn(rng: Random, round: number): IndexChange[] {
  const out: IndexChange[] = [];
  for (let i = 0; i < 20; i++) out.push({ op: 'upsert', collection: 'a', id: `n${round}-${i}`, vector: rng.vector(DIMS) });
  for (let i = 0; i < 20; i++) out.push({ op: 'upsert', collection: 'a', id: `i${round * 20 + i}`, vector: rng.vector(DIMS) });
  for (let i = 0; i < 5; i++) out.push({ op: 'delete', collection: 'a', id: `i${300 + round * 5 + i}` });
  return out;
}

async function answers(index: VectorIndex, queries: Float32Array[]) {
  const out = [];
  for (const q of queries) out.push((await index.search(q, { k: 10, params: { efSearch: 500 } })).map((h) => h.id));
  return out;
}

describe('usearch saves a sync as a journal', () => {
  it('appends the changes instead of rewriting the index; a new process replays them to the same entries', async () => {
    const { directory, rng, index, first } = await setup();
    for (let round = 0; round < 3; round++) {
      await index.apply(churn(rng, round).slice(0, 25));
      await index.apply(churn(rng, round).slice(25));
      const state = await index.save({ cursor: String(round + 2) });
      expect(state).toMatchObject({ generation: first.generation, indexSha256: first.indexSha256, journal: round + 1 });
    }
    const names = await readdir(directory);
    expect(names.filter((n) => n.startsWith('journal.'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('index.'))).toEqual([first.indexFile]);

    const queries = Array.from({ length: 30 }, () => rng.vector(DIMS));
    const before = await answers(index, queries);
    const stats = index.stats();
    const state = await index.save({ cursor: '9' }); // nothing new: the manifest only
    expect(state).toMatchObject({ journal: 3 });

    const again = await open(directory);
    expect(await again.load(state)).toBe(true);
    expect(again.stats()).toMatchObject({
      items: stats.items,
      deleted: stats.deleted,
      cursor: '9',
      removedSinceBuild: stats.removedSinceBuild,
    });
    // efSearch 500 over 555 entries: both answer exactly, so the replayed graph must hold the same vectors.
    expect(await answers(again, queries)).toEqual(before);
    expect((await again.verify?.(state))?.ok).toBe(true);
    // The replayed index goes on journaling on top of what it loaded.
    await again.apply(churn(rng, 3));
    expect(await again.save({ cursor: '10' })).toMatchObject({ journal: 4, generation: first.generation });
    await index.close();
    await again.close();
  });

  it('writes whole after journalFiles journals (old journals removed), and always with journalFiles 0', async () => {
    const { directory, rng, index, first } = await setup({ journalFiles: 2 });
    await index.apply(churn(rng, 0));
    expect(await index.save({ cursor: '2' })).toMatchObject({ journal: 1 });
    await index.apply(churn(rng, 1));
    expect(await index.save({ cursor: '3' })).toMatchObject({ journal: 2 });
    await index.apply(churn(rng, 2));
    const whole = await index.save({ cursor: '4' });
    expect(whole).toMatchObject({ journal: 0, generation: (first.generation as number) + 1 });
    expect((await readdir(directory)).filter((n) => n.startsWith('journal.'))).toEqual([]);

    const off = await setup({ journalFiles: 0 });
    await off.index.apply(churn(off.rng, 0));
    expect(await off.index.save({ cursor: '2' })).toMatchObject({ journal: 0, generation: (off.first.generation as number) + 1 });
    await index.close();
    await off.index.close();
  });

  it('a rebuilt index is written whole; a damaged journal makes load return false (core rebuilds)', async () => {
    const { directory, rng, index, first } = await setup();
    await index.apply(churn(rng, 0));
    const state = await index.save({ cursor: '2' });
    const journal = (await readdir(directory)).find((n) => n.startsWith('journal.')) as string;
    const bytes = await readFile(path.join(directory, journal));
    bytes[20] ^= 0x55;
    await writeFile(path.join(directory, journal), bytes);
    const broken = await open(directory);
    expect(await broken.load(state)).toBe(false);
    expect(broken.stats().lastLoadProblem).toMatch(/fails its checksum/);

    await index.build(once([{ collection: 'a', id: 'only', vector: rng.vector(DIMS) }]));
    expect(await index.save({ cursor: '3' })).toMatchObject({ journal: 0, generation: (first.generation as number) + 1 });
    await index.close();
  });
});
