/**
 * save() / load(): generational files with a checksummed manifest. Anything that does not verify
 * makes load() return false (core rebuilds from the store) with the reason in
 * stats().lastLoadProblem, and never reaches FAISS's read_index.
 */
import { readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexEntry, JsonValue } from '@vecdex/core';
import { afterEach, expect, it } from 'vitest';
import { readTuning } from '../src/native-tuning.js';
import { describeFaiss } from './faiss-available.js';
import { batches, clustered, openIndex, randomVector, rng, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const DIMS = 16;

async function savedIndex(factory: string): Promise<{ d: string; state: { [key: string]: JsonValue }; data: IndexEntry[] }> {
  const d = await dir();
  const data = clustered(rng(11), 800, DIMS, 8);
  const ix = await openIndex(d, 'l2', DIMS, { factory, nprobe: 2 });
  await ix.build(batches(data));
  await ix.apply([{ op: 'delete', collection: data[0]?.collection as string, id: 'p0' }]);
  const state = await ix.save();
  await ix.close();
  return { d, state, data };
}

describeFaiss('faiss plugin: persistence', () => {
  for (const factory of ['Flat', 'IVF8,SQ8', 'HNSW16']) {
    it(`${factory}: a saved index loads in a new instance and answers identically`, async () => {
      const { d, state } = await savedIndex(factory);
      expect(state).toMatchObject({ format: 'vecdex-faiss', formatVersion: 1, generation: 1, items: 799 });
      expect((await readdir(d)).sort()).toEqual(['index.1.faiss', 'labels.1.json', 'manifest.json']);
      const a = await openIndex(d, 'l2', DIMS, { factory, nprobe: 2 });
      expect(await a.load(state)).toBe(true);
      expect(a.stats()).toMatchObject({ items: 799, deleted: factory === 'Flat' ? 0 : 1, generation: 1, lastLoadProblem: null });
      const rand = rng(12);
      const b = await openIndex(d, 'l2', DIMS, { factory, nprobe: 2 });
      expect(await b.load(state)).toBe(true);
      for (let q = 0; q < 10; q++) {
        const v = randomVector(rand, DIMS);
        const hits = await a.search(v, { k: 10 });
        expect(hits.length).toBe(10);
        expect(hits.some((h) => h.id === 'p0')).toBe(false);
        expect(await b.search(v, { k: 10 })).toEqual(hits);
      }
      // A second save is generation 2 and removes generation 1.
      expect((await a.save()).generation).toBe(2);
      expect((await readdir(d)).sort()).toEqual(['index.2.faiss', 'labels.2.json', 'manifest.json']);
    });
  }

  it('search-time settings come from the current definition: nprobe is written into the verified bytes at load', async () => {
    const { d, state } = await savedIndex('IVF8,Flat');
    const manifest = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
    expect(readTuning(await readFile(path.join(d, manifest.files.index.name)))).toEqual({ nprobe: 2 });
    const ix = await openIndex(d, 'l2', DIMS, { factory: 'IVF8,Flat', nprobe: 8 });
    expect(await ix.load(state)).toBe(true);
    expect(ix.stats().nprobe).toBe(8);
    // With all 8 cells probed the IVF is exhaustive: every query finds its stored point at distance 0.
    const { data } = await savedIndex('Flat');
    for (const e of data.slice(1, 30)) expect((await ix.search(e.vector, { k: 1 }))[0]?.distance).toBe(0);
  });

  const corruptions: [
    string,
    (d: string, m: { files: { index: { name: string }; labels: { name: string } } }) => Promise<void>,
    RegExp,
  ][] = [
    [
      'a flipped byte in the FAISS file',
      async (d, m) => {
        const f = path.join(d, m.files.index.name);
        const buf = await readFile(f);
        buf[Math.floor(buf.length / 2)] ^= 0xff;
        await writeFile(f, buf);
      },
      /fails its checksum/,
    ],
    ['a truncated FAISS file', async (d, m) => truncate(path.join(d, m.files.index.name), 100), /is 100 bytes, manifest says/],
    ['a missing label map', async (d, m) => rm(path.join(d, m.files.labels.name)), /is missing/],
    ['no manifest', async (d) => rm(path.join(d, 'manifest.json')), /no manifest/],
    [
      'a manifest that is not JSON',
      async (d) => writeFile(path.join(d, 'manifest.json'), '{"format": "vecdex-fa'),
      /not valid JSON/,
    ],
  ];
  for (const [what, corrupt, reason] of corruptions) {
    it(`${what}: load returns false and says why; the instance stays usable`, async () => {
      const { d, state, data } = await savedIndex('IVF8,Flat');
      const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
      await corrupt(d, m);
      const ix = await openIndex(d, 'l2', DIMS, { factory: 'IVF8,Flat', nprobe: 2 });
      expect(await ix.load(state)).toBe(false);
      expect(ix.stats().lastLoadProblem).toMatch(reason);
      await ix.build(batches(data));
      expect(ix.stats().items).toBe(800);
      expect((await ix.search(data[5]?.vector as Float32Array, { k: 1 }))[0]?.id).toBe('p5');
    });
  }

  it('files from another definition, other structural params, or older than the catalog are not loaded', async () => {
    const { d, state } = await savedIndex('IVF8,Flat');
    const other = await openIndex(d, 'l2', DIMS, { factory: 'IVF16,Flat' });
    expect(await other.load(state)).toBe(false);
    expect(other.stats().lastLoadProblem).toBe('files were built with factory=IVF8,Flat, the definition says IVF16,Flat');
    const cos = await openIndex(d, 'cosine', DIMS, { factory: 'IVF8,Flat' });
    expect(await cos.load(state)).toBe(false);
    expect(cos.stats().lastLoadProblem).toBe('files were built for another metric or dimensions');
    const ix = await openIndex(d, 'l2', DIMS, { factory: 'IVF8,Flat' });
    expect(await ix.load({ ...state, generation: 5 })).toBe(false);
    expect(ix.stats().lastLoadProblem).toBe('files are generation 1, the catalog expects 5');
  });
});
