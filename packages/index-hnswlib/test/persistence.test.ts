import { open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexEntry, JsonValue, VectorIndex } from '@vecdex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batches, bruteForce, expectExact, keyOf, openIndex, randomVector, rng, tempDir } from './helpers.js';

const DIMS = 12;
let dir: string;
let cleanup: () => Promise<void>;
let model: Map<string, IndexEntry>;
let state: { [key: string]: JsonValue };

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const rand = rng(9);
  const entries: IndexEntry[] = [];
  for (let i = 0; i < 200; i++)
    entries.push({ collection: i % 3 === 0 ? 'b' : 'a', id: `d${i % 150}`, vector: randomVector(rand, DIMS) });
  model = new Map(entries.map((e) => [keyOf(e), e]));
  const index = await openIndex(dir, 'cosine', DIMS, { efSearch: 300 });
  await index.build(batches(entries, 64));
  const gone = entries.slice(0, 15);
  await index.apply(gone.map((e) => ({ op: 'delete', collection: e.collection, id: e.id })));
  for (const e of gone) model.delete(keyOf(e));
  state = await index.save();
  await index.close();
});
afterEach(() => cleanup());

const reopen = (
  params: { [key: string]: JsonValue } = { efSearch: 300 },
  metric: 'cosine' | 'l2' = 'cosine',
  dims = DIMS,
): Promise<VectorIndex> => openIndex(dir, metric, dims, params);

async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  const buf = Buffer.alloc(1);
  await handle.read(buf, 0, 1, offset);
  buf[0] = (buf[0] as number) ^ 0xff;
  await handle.write(buf, 0, 1, offset);
  await handle.close();
}

describe('save and load', () => {
  it('records the feed cursor save is given, and reports it after a load (absent when not given)', async () => {
    const first = await reopen();
    expect(await first.load(state)).toBe(true);
    expect(first.stats().cursor, 'saved without a cursor').toBeUndefined();
    const saved = await first.save({ cursor: '1234' });
    expect(first.stats().cursor).toBe('1234');
    await first.close();
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { cursor?: unknown };
    expect(manifest.cursor).toBe('1234');
    const second = await reopen();
    expect(await second.load(saved)).toBe(true);
    expect(second.stats().cursor).toBe('1234');
    // A build's cursor may be null (an empty feed): recorded as null, not dropped.
    await second.save({ cursor: null });
    const third = await reopen();
    expect(await third.load(await second.save({ cursor: null }))).toBe(true);
    expect(third.stats().cursor).toBeNull();
    await second.close();
    await third.close();
  });

  it('save returns catalog state; a new instance loads the same index', async () => {
    // 200 entries over 150 distinct keys (the build replaced 50), then 15 deleted.
    expect(model.size).toBe(135);
    expect(state).toMatchObject({ format: 'vecdex-hnswlib', formatVersion: 1, generation: 1, items: 135, deleted: 15 });
    expect(String(state.indexSha256)).toMatch(/^[0-9a-f]{64}$/);
    const index = await reopen();
    expect(await index.load(state)).toBe(true);
    expect(index.stats()).toMatchObject({ items: 135, deleted: 15, generation: 1, lastLoadProblem: null });
    expect(index.stats().bytesOnDisk).toBe(state.bytes);
    const rand = rng(1);
    for (let q = 0; q < 10; q++) {
      const query = randomVector(rand, DIMS);
      expectExact('cosine', model, query, await index.search(query, { k: 10 }), bruteForce('cosine', model.values(), query, 10));
    }
    // The free list survived: new keys reuse the 15 tombstones.
    const added: IndexEntry[] = [];
    for (let i = 0; i < 15; i++) added.push({ collection: 'c', id: `new${i}`, vector: randomVector(rand, DIMS) });
    await index.apply(added.map((e) => ({ op: 'upsert', ...e })));
    for (const e of added) model.set(keyOf(e), e);
    expect(index.stats()).toMatchObject({ items: 150, deleted: 0, slots: 150 });
    const query = randomVector(rand, DIMS);
    expectExact('cosine', model, query, await index.search(query, { k: 30 }), bruteForce('cosine', model.values(), query, 30));
  });

  it('a second save (written whole: journalFiles 0) replaces the first generation and removes its files', async () => {
    const index = await reopen({ efSearch: 300, journalFiles: 0 });
    expect(await index.load(state)).toBe(true);
    const second = await index.save();
    expect(second.generation).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['index.2.hnsw', 'labels.2.json', 'manifest.json']);
    // An instance given the older catalog state still loads the newer files (core replays the feed).
    expect(await (await reopen()).load(state)).toBe(true);
    // But files older than the catalog's generation are refused.
    expect(await (await reopen()).load({ ...second, generation: 3 })).toBe(false);
  });

  it('saves and loads an empty index', async () => {
    const { dir: emptyDir, cleanup: done } = await tempDir();
    try {
      const index = await openIndex(emptyDir, 'l2', 4);
      const s = await index.save();
      const again = await openIndex(emptyDir, 'l2', 4);
      expect(await again.load(s)).toBe(true);
      expect(await again.search(new Float32Array(4).fill(1), { k: 3 })).toEqual([]);
    } finally {
      await done();
    }
  });

  const indexFile = () => path.join(dir, String(state.indexFile));
  const labelsFile = () => path.join(dir, String(state.labelsFile));
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['the manifest is missing', () => rm(path.join(dir, 'manifest.json')), /no manifest/],
    ['the manifest is not JSON', () => writeFile(path.join(dir, 'manifest.json'), '{"format": "vecdex-hn'), /not valid JSON/],
    ['the index file is missing', () => rm(indexFile()), /missing/],
    ['the index file is truncated', async () => writeFile(indexFile(), (await readFile(indexFile())).subarray(0, 5000)), /bytes/],
    ['a byte of the index file is flipped', () => flipByte(indexFile(), 3000), /checksum/],
    ['a byte of the index header is flipped', () => flipByte(indexFile(), 17), /checksum/],
    ['a byte of the label map is flipped', () => flipByte(labelsFile(), 40), /checksum/],
  ];
  it.each(cases)('load returns false when %s', async (_name, damage, reason) => {
    await damage();
    const index = await reopen();
    expect(await index.load(state)).toBe(false);
    expect(String(index.stats().lastLoadProblem)).toMatch(reason);
    // The instance stays usable (empty until core rebuilds it).
    expect(await index.search(new Float32Array(DIMS).fill(1), { k: 5 })).toEqual([]);
  });

  it('a file that matches a rewritten manifest but has a wrong header never reaches native code', async () => {
    // Someone rewrites the manifest to match a damaged file: the header check still refuses it.
    await flipByte(indexFile(), 24); // sizeDataPerElement
    const manifestPath = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const { createHash } = await import('node:crypto');
    manifest.files.index.sha256 = createHash('sha256')
      .update(await readFile(indexFile()))
      .digest('hex');
    await writeFile(manifestPath, JSON.stringify(manifest));
    const index = await reopen();
    expect(await index.load({})).toBe(false);
    expect(String(index.stats().lastLoadProblem)).toMatch(/sizeDataPerElement/);
  });

  it.each([
    ['other M', () => reopen({ M: 8, efSearch: 300 }), /M=16/],
    ['other efConstruction', () => reopen({ efConstruction: 100 }), /efConstruction/],
    ['other metric', () => reopen({}, 'l2'), /metric/],
    ['other dimensions', () => reopen({}, 'cosine', DIMS + 1), /dimensions/],
  ] as const)('load returns false for files built with %s', async (_name, make, reason) => {
    const index = await make();
    expect(await index.load(state)).toBe(false);
    expect(String(index.stats().lastLoadProblem)).toMatch(reason);
  });

  it('runtime params (efSearch, compactThreshold) may differ from the saved ones', async () => {
    const index = await reopen({ efSearch: 50, compactThreshold: 0.5 });
    expect(await index.load(state)).toBe(true);
    expect(index.stats()).toMatchObject({ efSearch: 50, needsCompaction: false });
  });

  it('drop removes the files, so a later load returns false', async () => {
    await writeFile(path.join(dir, 'unrelated.txt'), 'keep me');
    const index = await reopen();
    expect(await index.load(state)).toBe(true);
    await index.drop();
    expect(await readdir(dir)).toEqual(['unrelated.txt']);
    expect(await (await reopen()).load(state)).toBe(false);
    expect((await stat(path.join(dir, 'unrelated.txt'))).isFile()).toBe(true);
  });
});
