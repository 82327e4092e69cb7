import { isVecdexError, type IndexEntry, type IndexKey } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, bruteForce, expectExact, keyOf, openIndex, randomVector, rng, tempDir } from './helpers.js';
import type { VectorIndex } from '@vecdex/core';

const DIMS = 8;
let index: VectorIndex;
let model: Map<string, IndexEntry>;
let cleanup: () => Promise<void>;
const rand = rng(21);

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  const entries: IndexEntry[] = [];
  for (let i = 0; i < 400; i++)
    entries.push({ collection: i < 200 ? 'a' : 'b', id: `k${i % 200}`, vector: randomVector(rand, DIMS) });
  model = new Map(entries.map((e) => [keyOf(e), e]));
  index = await openIndex(t.dir, 'ip', DIMS, { efSearch: 16 });
  await index.build(batches(entries, 100));
});
afterAll(() => cleanup());

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isVecdexError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

describe('search options', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 10_001, '3', null])(
    'refuses k = %s before native code',
    async (k) => {
      await rejects(index.search(randomVector(rand, DIMS), { k: k as number }), 'INVALID_ARGUMENT');
    },
  );

  it('refuses bad per-query params, naming them', async () => {
    await rejects(index.search(randomVector(rand, DIMS), { k: 3, params: { efSearch: 0 } }), 'INVALID_ARGUMENT');
    await rejects(index.search(randomVector(rand, DIMS), { k: 3, params: { ef_search: 10 } }), 'INVALID_ARGUMENT');
  });

  it('accepts efSearch per query; a large one gives the exact answer', async () => {
    const query = randomVector(rand, DIMS);
    const hits = await index.search(query, { k: 20, params: { efSearch: 400 } });
    expectExact('ip', model, query, hits, bruteForce('ip', model.values(), query, 20));
  });

  it('refuses a query of the wrong dimension or with a non-finite number', async () => {
    await rejects(index.search(new Float32Array(DIMS + 1), { k: 1 }), 'DIMENSION_MISMATCH');
    const bad = randomVector(rand, DIMS);
    bad[3] = Number.NaN;
    await rejects(index.search(bad, { k: 1 }), 'INVALID_VECTOR');
    await rejects(index.apply([{ op: 'upsert', collection: 'a', id: 'z', vector: new Float32Array(3) }]), 'DIMENSION_MISMATCH');
    expect(index.stats().items).toBe(400);
  });

  it('allow: only allowed keys, and k of them when at least k are allowed', async () => {
    const allow = (key: IndexKey) => key.collection === 'b' && Number(key.id.slice(1)) % 3 === 0;
    for (let q = 0; q < 10; q++) {
      const query = randomVector(rand, DIMS);
      const hits = await index.search(query, { k: 10, allow, params: { efSearch: 400 } });
      expect(hits.every(allow)).toBe(true);
      expectExact('ip', model, query, hits, bruteForce('ip', model.values(), query, 10, allow));
    }
    // At the default small ef, still k results.
    const hits = await index.search(randomVector(rand, DIMS), { k: 10, allow });
    expect(hits.length).toBe(10);
    expect(hits.every(allow)).toBe(true);
  });

  it('allow: fewer than k allowed returns exactly those', async () => {
    const wanted = new Set(['a\u0000k5', 'b\u0000k5', 'a\u0000k77']);
    const hits = await index.search(randomVector(rand, DIMS), { k: 10, allow: (key) => wanted.has(keyOf(key)) });
    expect(new Set(hits.map(keyOf))).toEqual(wanted);
  });

  it('an allow predicate that throws rejects the search with its error; the index stays usable', async () => {
    const boom = new Error('boom');
    const error = await index
      .search(randomVector(rand, DIMS), {
        k: 5,
        allow: () => {
          throw boom;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect((await index.search(randomVector(rand, DIMS), { k: 5 })).length).toBe(5);
  });

  it('a closed index refuses calls', async () => {
    const t = await tempDir();
    const closed = await openIndex(t.dir, 'l2', DIMS);
    await closed.close();
    await rejects(closed.search(randomVector(rand, DIMS), { k: 1 }), 'STORE_CLOSED');
    await rejects(closed.apply([]), 'STORE_CLOSED');
    await t.cleanup();
  });
});
