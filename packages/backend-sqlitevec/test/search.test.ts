import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distance, filterPredicate, type FilterNode, type Metadata, type Metric, type SearchHit } from '@vecdex/core';
import type { SqliteVecBackend } from '../src/index.js';
import { codeOf, item, makeTempDir, openStore, pick, randomVector, removeDir, rng, spec } from './helpers.js';

interface Row {
  collection: string;
  id: string;
  vector: Float32Array;
  metadata: Metadata;
}

let dir: string;
let b: SqliteVecBackend;
const rows = new Map<string, Row[]>();
const DIMS = 16;

/** Brute force over what was inserted, with core's reference distance. */
function bruteForce(
  collections: string[],
  query: Float32Array,
  k: number,
  metric: Metric,
  filter: FilterNode | null = null,
  exclude: string[] = [],
) {
  const pred = filterPredicate(filter);
  return collections
    .flatMap((c) => rows.get(c) ?? [])
    .filter((r) => pred(r.metadata) && !exclude.includes(`${r.collection}/${r.id}`))
    .map((r) => ({ collection: r.collection, id: r.id, distance: distance(metric, r.vector, query) }))
    .sort((x, y) => x.distance - y.distance)
    .slice(0, k);
}

function expectSameHits(got: SearchHit[], want: { collection: string; id: string; distance: number }[]) {
  expect(got.map((h) => `${h.collection}/${h.id}`)).toEqual(want.map((h) => `${h.collection}/${h.id}`));
  got.forEach((h, i) => {
    const w = (want[i] as { distance: number }).distance;
    expect(Math.abs(h.distance - w)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(w)));
  });
}

async function fill(name: string, metric: Metric, n: number, seed: number, dims = DIMS) {
  const r = rng(seed);
  await b.createCollection(spec(name, dims, metric));
  const list: Row[] = [];
  for (let i = 0; i < n; i++) {
    const metadata = { group: pick(r, ['a', 'b', 'c']), n: i, rare: i % 37 === 0 };
    list.push({ collection: name, id: `${name}-${i}`, vector: randomVector(r, dims), metadata });
  }
  for (let i = 0; i < list.length; i += 1000) {
    await b.upsert(
      name,
      list.slice(i, i + 1000).map((x) => item(x.id, x.vector, x.metadata, `text ${x.id}`)),
    );
  }
  rows.set(name, list);
}

beforeAll(async () => {
  dir = makeTempDir();
  b = await openStore(dir);
  await fill('l2', 'l2', 400, 1);
  await fill('cosine', 'cosine', 400, 2);
  await fill('l1', 'l1', 400, 3);
  await fill('ip', 'ip', 400, 4);
  await fill('l2b', 'l2', 300, 5);
  await fill('big', 'l2', 5000, 6, 4);
});
afterAll(async () => {
  await b.close();
  removeDir(dir);
});

describe('searchExact', () => {
  const metrics: Metric[] = ['l2', 'cosine', 'l1', 'ip'];

  it.each(metrics)('%s: top-k and distances equal brute force with core distance()', async (metric) => {
    const r = rng(100);
    for (let q = 0; q < 5; q++) {
      const query = randomVector(r, DIMS);
      const hits = await b.searchExact({ collections: [metric], vector: query, k: 10, metric });
      expectSameHits(hits, bruteForce([metric], query, 10, metric));
    }
  });

  it.each(metrics)('a query metric other than the collection metric (%s on an l2 collection) scans correctly', async (metric) => {
    const query = randomVector(rng(7), DIMS);
    const hits = await b.searchExact({ collections: ['l2'], vector: query, k: 7, metric });
    expectSameHits(hits, bruteForce(['l2'], query, 7, metric));
  });

  it('returns exactly min(k, matching) with a filter, equal to brute force', async () => {
    const r = rng(200);
    const filters: FilterNode[] = [
      { op: 'eq', path: ['rare'], value: true }, // 11 of 400 match
      { op: 'eq', path: ['group'], value: 'b' },
      {
        op: 'and',
        children: [
          { op: 'gte', path: ['n'], value: 100 },
          { op: 'lt', path: ['n'], value: 105 },
        ],
      },
      { op: 'eq', path: ['group'], value: 'none' },
    ];
    for (const metric of metrics) {
      for (const filter of filters) {
        const query = randomVector(r, DIMS);
        for (const k of [3, 20]) {
          const want = bruteForce([metric], query, k, metric, filter);
          const hits = await b.searchExact({ collections: [metric], vector: query, k, metric, filter });
          const matching = (rows.get(metric) as Row[]).filter((x) => filterPredicate(filter)(x.metadata)).length;
          expect(hits).toHaveLength(Math.min(k, matching));
          expectSameHits(hits, want);
        }
      }
    }
  });

  it('leaves out excluded items', async () => {
    const query = (rows.get('cosine') as Row[])[5]?.vector as Float32Array;
    const exclude = [
      { collection: 'cosine', id: 'cosine-5' },
      { collection: 'l2', id: 'cosine-6' },
    ];
    const hits = await b.searchExact({ collections: ['cosine'], vector: query, k: 5, metric: 'cosine', exclude });
    expect(hits.map((h) => h.id)).not.toContain('cosine-5');
    expectSameHits(hits, bruteForce(['cosine'], query, 5, 'cosine', null, ['cosine/cosine-5']));
    const filter: FilterNode = { op: 'eq', path: ['group'], value: 'a' };
    const withFilter = await b.searchExact({ collections: ['cosine'], vector: query, k: 5, metric: 'cosine', exclude, filter });
    expectSameHits(withFilter, bruteForce(['cosine'], query, 5, 'cosine', filter, ['cosine/cosine-5']));
  });

  it('merges several collections by distance', async () => {
    const r = rng(300);
    for (let q = 0; q < 3; q++) {
      const query = randomVector(r, DIMS);
      const hits = await b.searchExact({ collections: ['l2', 'l2b'], vector: query, k: 15, metric: 'l2' });
      expectSameHits(hits, bruteForce(['l2', 'l2b'], query, 15, 'l2'));
      expect(new Set(hits.map((h) => h.collection)).size).toBeGreaterThan(0);
    }
    const filter: FilterNode = { op: 'eq', path: ['rare'], value: true };
    const query = randomVector(r, DIMS);
    const hits = await b.searchExact({ collections: ['l2', 'l2b'], vector: query, k: 100, metric: 'l2', filter });
    expect(hits).toHaveLength(11 + 9);
    expectSameHits(hits, bruteForce(['l2', 'l2b'], query, 100, 'l2', filter));
  });

  it('handles k above vec0 KNN limit of 4096 by scanning', async () => {
    const query = randomVector(rng(400), 4);
    const hits = await b.searchExact({ collections: ['big'], vector: query, k: 4500, metric: 'l2' });
    expect(hits).toHaveLength(4500);
    const want = bruteForce(['big'], query, 4500, 'l2');
    expect(hits[0]?.id).toBe(want[0]?.id);
    for (let i = 1; i < hits.length; i++)
      expect((hits[i] as SearchHit).distance).toBeGreaterThanOrEqual((hits[i - 1] as SearchHit).distance);
    expect(Math.abs((hits[4499] as SearchHit).distance - (want[4499] as SearchHit).distance)).toBeLessThan(1e-5);
    const knn = await b.searchExact({ collections: ['big'], vector: query, k: 4096, metric: 'l2' });
    expect(knn).toHaveLength(4096);
    expect(knn.slice(0, 50).map((h) => h.id)).toEqual(want.slice(0, 50).map((h) => h.id));
  });

  it('returns only the fields asked for', async () => {
    const query = (rows.get('l2') as Row[])[0]?.vector as Float32Array;
    const [bare] = await b.searchExact({ collections: ['l2'], vector: query, k: 1, metric: 'l2' });
    expect(Object.keys(bare as SearchHit).sort()).toEqual(['collection', 'distance', 'id']);
    const [full] = await b.searchExact({
      collections: ['l2'],
      vector: query,
      k: 1,
      metric: 'l2',
      include: { metadata: true, content: true, vector: true },
    });
    expect(full).toEqual({
      collection: 'l2',
      id: 'l2-0',
      distance: 0,
      metadata: { group: expect.any(String), n: 0, rare: true },
      content: 'text l2-0',
      vector: query,
    });
  });

  it('refuses a query of the wrong dimensions and unknown collections', async () => {
    expect(await codeOf(b.searchExact({ collections: ['l2'], vector: new Float32Array(3), k: 1, metric: 'l2' }))).toBe(
      'DIMENSION_MISMATCH',
    );
    expect(await codeOf(b.searchExact({ collections: ['l2', 'nope'], vector: new Float32Array(DIMS), k: 1, metric: 'l2' }))).toBe(
      'UNKNOWN_COLLECTION',
    );
  });
});
