/**
 * Compressed indexes (issue 15): `precision`, `rescore`, `reduce` on `vx.indexes.create`, with
 * the usearch plugin storing float16 / calibrated int8 / binary natively and core reducing
 * (truncation, PCA) and rescoring from the store's full vectors. Small seeded clustered data
 * (400 × 48) with efSearch above the count, so the HNSW search visits every entry and what is
 * measured is the compact codes' loss, deterministically. Bad input is refused at creation,
 * naming the plugin and what it supports, and nothing stored is lost.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Metric, type Vecdex, distance, isVecdexError, openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import usearch from '@vecdex/index-usearch';
import faiss from '@vecdex/sidecar-faiss';
import { faissProblem } from '../faiss-available.js';
import { afterEach, describe, expect, it } from 'vitest';

const N = 400;
const DIMS = 48;
const K = 10;
const EXACT = { efSearch: 2000 };

let dirs: string[] = [];
let opened: Vecdex[] = [];
afterEach(async () => {
  for (const vx of opened) await vx.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
  opened = [];
});

async function store(): Promise<{ open: () => Promise<Vecdex>; dataDir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-compress-'));
  dirs.push(dir);
  const dataDir = path.join(dir, 'data');
  const open = async () => {
    const vx = await openVecdex({
      config: {
        backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
        plugins: faissProblem === null ? [usearch, hnswlib, faiss] : [usearch, hnswlib],
        dataDir,
      },
      cwd: dir,
      env: {},
    });
    opened.push(vx);
    return vx;
  };
  return { open, dataDir };
}

/** Clustered vectors whose leading dimensions carry most of the variance (as Matryoshka models are trained to). */
function vectors(seed: number, count: number, offset = 0, dims = DIMS): Float32Array[] {
  const rnd = new Random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd.next() + 1e-12)) * Math.cos(2 * Math.PI * rnd.next());
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, (_, d) => gauss() * (d < 16 ? 3 : 1)));
  return Array.from({ length: count }, () => {
    const c = centres[rnd.int(centres.length)] as Float32Array;
    return Float32Array.from(c, (x) => x + offset + 0.4 * gauss());
  });
}

async function filled(metric: Metric, offset = 0, dims = DIMS) {
  const s = await store();
  const vx = await s.open();
  await vx.collections.create({ name: 'c', dimensions: dims, metric });
  // Queries are drawn around the same centres as the items (held out).
  const all = vectors(15, N + 30, offset, dims);
  const data = all.slice(0, N);
  await vx.collection('c').upsert(data.map((vector, i) => ({ id: `i${i}`, vector, metadata: { g: i % 4 } })));
  return { ...s, vx, data, queries: all.slice(N) };
}

function exactTop(data: Float32Array[], q: Float32Array, metric: Metric): string[] {
  return data
    .map((v, i) => ({ id: `i${i}`, d: distance(metric, q, v) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, K)
    .map((x) => x.id);
}

/** recall@K of the index against brute force; checks every returned distance is exact when `exact`. */
async function recall(vx: Vecdex, index: string, data: Float32Array[], queries: Float32Array[], metric: Metric, exact: boolean) {
  let hit = 0;
  for (const q of queries) {
    const { hits } = await vx.indexes.search(index, q, { k: K, params: EXACT });
    expect(hits).toHaveLength(K);
    const truth = new Set(exactTop(data, q, metric));
    for (const h of hits) {
      if (truth.has(h.id)) hit++;
      if (exact) {
        const v = data[Number(h.id.slice(1))] as Float32Array;
        expect(Math.abs(h.distance - distance(metric, q, v))).toBeLessThan(1e-5);
      }
    }
    if (exact) for (let i = 1; i < hits.length; i++) expect(hits[i]?.distance).toBeGreaterThanOrEqual(hits[i - 1]?.distance ?? 0);
  }
  return hit / (queries.length * K);
}

describe('compressed indexes: precision with rescoring (usearch)', () => {
  it('HNSW: float16 and int8 with rescoring return exact distances at high recall', async () => {
    const { vx, data, queries } = await filled('cosine');
    const cases = [
      { name: 'f16', precision: 'float16', min: 0.99 },
      { name: 'i8', precision: 'int8', min: 0.99 },
    ] as const;
    for (const c of cases) {
      const { name, min, ...options } = c;
      const def = await vx.indexes.create({ name, plugin: 'usearch', collections: ['c'], ...options });
      expect(def.params.compression).toMatchObject({ precision: options.precision });
      await vx.indexes.build(name);
      expect(await recall(vx, name, data, queries, 'cosine', true), name).toBeGreaterThanOrEqual(min);
      const status = await vx.indexes.status(name);
      expect(status.stats?.precision).toBe(options.precision);
    }
    await expect(
      vx.indexes.create({
        name: 'pd',
        plugin: 'usearch',
        collections: ['c'],
        params: { kind: 'flat' },
        precision: 'int8',
        calibration: 'per-dimension',
      }),
    ).rejects.toThrow(/per-dimension int8 calibration .* changes angles; a cosine collection's codes are centred on 0/);
    // The compact copies are smaller on disk than float32's, in the expected order.
    await vx.indexes.create({ name: 'f32', plugin: 'usearch', collections: ['c'] });
    await vx.indexes.build('f32');
    const bytes = async (n: string) => (await vx.indexes.status(n)).bytesOnDisk ?? 0;
    expect(await bytes('i8')).toBeLessThan(await bytes('f16'));
    expect(await bytes('f16')).toBeLessThan(await bytes('f32'));
  });

  it('the flat (exact) path: int8 codes calibrated for l2 data far from the origin, binary for cosine, float32 exact', async () => {
    const { vx, data, queries } = await filled('l2', 100);
    const flat = { kind: 'flat' };
    for (const calibration of ['global', 'per-dimension'] as const) {
      const raw = `raw-${calibration}`;
      await vx.indexes.create({
        name: raw,
        plugin: 'usearch',
        collections: ['c'],
        params: flat,
        precision: 'int8',
        calibration,
        rescore: false,
      });
      await vx.indexes.build(raw);
      // The codes alone (usearch's own int8 cast would scale every vector to unit length: useless for l2).
      expect(await recall(vx, raw, data, queries, 'l2', false), raw).toBeGreaterThanOrEqual(0.95);
      const re = `re-${calibration}`;
      await vx.indexes.create({ name: re, plugin: 'usearch', collections: ['c'], params: flat, precision: 'int8', calibration });
      await vx.indexes.build(re);
      expect(await recall(vx, re, data, queries, 'l2', true), re).toBeGreaterThanOrEqual(0.99);
      expect((await vx.indexes.status(re)).stats).toMatchObject({ codes: 'i8', bytesPerRow: DIMS, memoryBytes: N * DIMS });
    }
    await vx.indexes.create({ name: 'f32', plugin: 'usearch', collections: ['c'], params: flat });
    await vx.indexes.build('f32');
    expect(await recall(vx, 'f32', data, queries, 'l2', true)).toBe(1);
    // Sign bits need dimensions: 48 bits rank these clusters poorly, 512 well (real 768-d text
    // embeddings: see bench/compression.mjs).
    const cos = await filled('cosine', 0, 512);
    await cos.vx.indexes.create({
      name: 'b1h',
      plugin: 'usearch',
      collections: ['c'],
      precision: 'binary',
      rescore: { oversample: 10 },
    });
    await cos.vx.indexes.build('b1h');
    expect(await recall(cos.vx, 'b1h', cos.data, cos.queries, 'cosine', true)).toBeGreaterThanOrEqual(0.95);
    await cos.vx.indexes.create({
      name: 'b1',
      plugin: 'usearch',
      collections: ['c'],
      params: flat,
      precision: 'binary',
      rescore: { oversample: 10 },
    });
    await cos.vx.indexes.build('b1');
    expect(await recall(cos.vx, 'b1', cos.data, cos.queries, 'cosine', true)).toBeGreaterThanOrEqual(0.95);
    expect((await cos.vx.indexes.status('b1')).stats).toMatchObject({ codes: 'b1', bytesPerRow: 512 / 8 });
    // A filter applies inside the binary scan: every hit passes it, k of them.
    const q = cos.queries[0] as Float32Array;
    const hits = await cos.vx.indexes.search('b1', q, {
      k: K,
      allow: (key) => Number(key.id.slice(1)) % 4 === 1,
      selectivity: 0.25,
    });
    expect(hits.hits).toHaveLength(K);
    for (const h of hits.hits) expect(Number(h.id.slice(1)) % 4).toBe(1);
    const truth = cos.data
      .map((v, i) => ({ i, d: distance('cosine', q, v) }))
      .filter((x) => x.i % 4 === 1)
      .sort((a, b) => a.d - b.d)
      .slice(0, K)
      .map((x) => `i${x.i}`);
    expect(hits.hits.filter((h) => truth.includes(h.id)).length).toBeGreaterThanOrEqual(8);
  });

  it('a reopened int8 index uses its stored calibration; a sync quantizes new items with it', async () => {
    const s = await filled('l2');
    await s.vx.indexes.create({ name: 'i8', plugin: 'usearch', collections: ['c'], params: { kind: 'flat' }, precision: 'int8' });
    await s.vx.indexes.build('i8');
    const q = s.queries[0] as Float32Array;
    const before = (await s.vx.indexes.search('i8', q, { k: K, params: EXACT })).hits;
    await s.vx.close();
    const vx = await s.open();
    const after = await vx.indexes.search('i8', q, { k: K, params: EXACT });
    expect((await vx.indexes.status('i8')).lastRebuild).toBeNull();
    expect(after.hits).toEqual(before);
    await vx.collection('c').upsert([{ id: 'near', vector: q }]);
    const synced = await vx.indexes.search('i8', q, { k: K, params: EXACT });
    expect(synced.synced).toBe(1);
    expect(synced.hits[0]).toMatchObject({ id: 'near' });
    expect(synced.hits[0]?.distance).toBeLessThan(1e-6);
  });
});

describe.skipIf(faissProblem !== null)(`compressed indexes: FAISS scalar quantizers ${faissProblem ?? ''}`, () => {
  it('int8 = SQ8 and float16 = SQfp16 (automatic or replacing Flat), rescored; factories with their own codes are refused', async () => {
    const { vx, data, queries } = await filled('l2', 100);
    const cases = [
      { name: 'sq8', precision: 'int8', factory: 'SQ8' },
      { name: 'fp16', precision: 'float16', factory: 'SQfp16', params: { factory: 'Flat' } },
    ] as const;
    for (const c of cases) {
      await vx.indexes.create({
        name: c.name,
        plugin: 'faiss',
        collections: ['c'],
        precision: c.precision,
        ...('params' in c ? { params: c.params } : {}),
      });
      await vx.indexes.build(c.name);
      expect((await vx.indexes.status(c.name)).stats?.factory).toBe(c.factory);
      expect(await recall(vx, c.name, data, queries, 'l2', true), c.name).toBeGreaterThanOrEqual(0.99);
    }
    await expect(
      vx.indexes.create({ name: 'h', plugin: 'faiss', collections: ['c'], precision: 'int8', params: { factory: 'HNSW32' } }),
    ).rejects.toThrow(/index plugin faiss: precision int8 replaces the Flat codes .* "HNSW32" names its own/);
    await expect(vx.indexes.create({ name: 'b', plugin: 'faiss', collections: ['c'], precision: 'binary' })).rejects.toThrow(
      /index plugin faiss cannot store binary vectors; it supports: float32, float16, int8/,
    );
  });
});

describe('compressed indexes: dimension reduction', () => {
  it('truncation and PCA, with and without rescoring; PCA survives a reopen and a damaged projection is rebuilt', async () => {
    const s = await filled('cosine');
    const { vx, data, queries } = s;
    const configs = {
      t16: { reduce: { method: 'truncate', dimensions: 16 } },
      t16raw: { reduce: { method: 'truncate', dimensions: 16 }, rescore: false },
      p16: { reduce: { method: 'pca', dimensions: 16, sample: 200 } },
      p16raw: { reduce: { method: 'pca', dimensions: 16, sample: 200 }, rescore: false },
    } as const;
    const got: Record<string, number> = {};
    for (const [name, options] of Object.entries(configs)) {
      await vx.indexes.create({ name, plugin: 'usearch', collections: ['c'], ...options });
      await vx.indexes.build(name);
      got[name] = await recall(vx, name, data, queries, 'cosine', options.rescore !== false);
      expect((await vx.indexes.status(name)).stats?.indexedDimensions).toBe(16);
    }
    // Rescoring never loses recall; both reductions keep most of it on this data.
    expect(got.t16).toBeGreaterThanOrEqual(got.t16raw as number);
    expect(got.p16).toBeGreaterThanOrEqual(got.p16raw as number);
    expect(got.p16).toBeGreaterThanOrEqual(0.9);
    expect(got.t16).toBeGreaterThanOrEqual(0.9);
    const q = queries[1] as Float32Array;
    const before = (await vx.indexes.search('p16raw', q, { k: K, params: EXACT })).hits;
    await vx.close();
    let again = await s.open();
    expect((await again.indexes.search('p16raw', q, { k: K, params: EXACT })).hits).toEqual(before);
    expect((await again.indexes.status('p16raw')).lastRebuild).toBeNull();
    await again.close();
    await writeFile(path.join(s.dataDir, 'indexes', 'p16raw', 'reduction-pca.json'), '{"dims":1}');
    again = await s.open();
    expect((await again.indexes.search('p16raw', q, { k: K, params: EXACT })).hits).toEqual(before);
    expect((await again.indexes.status('p16raw')).lastRebuild).toMatch(/missing or failed verification/);
  });

  it('PCA on fewer items than dimensions fails the build with a clear error; the store keeps its items', async () => {
    const s = await store();
    const vx = await s.open();
    await vx.collections.create({ name: 'c', dimensions: DIMS, metric: 'l2' });
    await vx.collection('c').upsert(vectors(3, 20).map((vector, i) => ({ id: `i${i}`, vector })));
    await vx.indexes.create({ name: 'p', plugin: 'usearch', collections: ['c'], reduce: { method: 'pca', dimensions: 8 } });
    await expect(vx.indexes.build('p')).rejects.toThrow(/PCA needs at least as many sample vectors as dimensions \(48\), got 20/);
    expect(await vx.collection('c').count()).toBe(20);
  });
});

describe('compressed indexes: bad input is refused at creation', () => {
  it('names the plugin and what it supports; nothing is created', async () => {
    const { vx } = await filled('l2');
    const refused = async (options: object, code: string, message: RegExp) => {
      const err = await vx.indexes.create({ name: 'x', plugin: 'usearch', collections: ['c'], ...options }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isVecdexError(err, code as never), String(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(message);
    };
    const hn = await vx.indexes
      .create({ name: 'h', plugin: 'hnswlib', collections: ['c'], precision: 'int8' })
      .catch((e: unknown) => e);
    expect(isVecdexError(hn, 'NOT_SUPPORTED')).toBe(true);
    expect((hn as Error).message).toMatch(/index plugin hnswlib cannot store int8 vectors; it supports: float32/);
    await refused({ precision: 'binary' }, 'NOT_SUPPORTED', /binary precision .* not l2 distances; use int8 or float16/);
    await refused({ precision: 'int8' }, 'NOT_SUPPORTED', /usearch: its HNSW graph stores int8 only for cosine .* kind: "flat"/);
    await refused(
      { precision: 'float16', params: { kind: 'flat' } },
      'NOT_SUPPORTED',
      /flat \(exact\) index stores float32, int8 or binary/,
    );
    await refused(
      { precision: 'int8', params: { dtype: 'f16' } },
      'NOT_SUPPORTED',
      /either the param dtype \(f16\) or precision/,
    );
    await refused({ precision: 'int4' }, 'INVALID_ARGUMENT', /precision must be one of float32, float16, int8, binary/);
    await refused({ reduce: { method: 'truncate', dimensions: DIMS } }, 'INVALID_ARGUMENT', /from 1 to 47/);
    await refused({ reduce: { method: 'truncate', dimensions: 0 } }, 'INVALID_ARGUMENT', /from 1 to 47/);
    await refused({ reduce: { method: 'pca', dimensions: 8, sample: 10 } }, 'INVALID_ARGUMENT', /at least the collection's 48/);
    await refused({ reduce: { method: 'svd', dimensions: 8 } }, 'INVALID_ARGUMENT', /"truncate" or "pca"/);
    await refused(
      { precision: 'int8', rescore: { oversample: 0 } },
      'INVALID_ARGUMENT',
      /oversample must be a number from 1 to 100/,
    );
    await refused({ precision: 'float16', calibration: 'global' }, 'INVALID_ARGUMENT', /only with precision "int8"/);
    expect(await vx.indexes.list()).toEqual([]);
  });
});
