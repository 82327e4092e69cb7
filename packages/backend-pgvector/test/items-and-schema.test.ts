import { afterEach, describe, expect, it } from 'vitest';
import {
  distance,
  filterPredicate,
  parseFilter,
  type FilterNode,
  type Metadata,
  type Metric,
  type NormalizedItem,
} from '@vecdex/core';
import type { InsertPath } from '../src/index.js';
import { NO_PG, Stores, codeOf, item, pgUrl, randomVector, rng, spec, withAdmin } from './pg-env.js';

describe.skipIf(NO_PG)('pgvector items, column types and hostile names (PostgreSQL)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  it('uses vector(d) up to 2,000 dims, halfvec(d) up to 4,000, and refuses more before any DDL', async () => {
    const b = await stores.open();
    await b.createCollection(spec('v2000', 2000));
    await b.createCollection(spec('h2001', 2001, 'cosine'));
    expect(await codeOf(b.createCollection(spec('too-big', 4001)))).toBe('INVALID_ARGUMENT');
    expect((await b.listCollections()).map((c) => c.name)).toEqual(['h2001', 'v2000']);
    const types = await withAdmin(async (c) =>
      (
        await c.query(
          `SELECT c.relname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND a.attname = 'embedding' ORDER BY c.relname`,
          [b.schema],
        )
      ).rows.map((r) => r.type),
    );
    expect(types).toEqual(['vector(2000)', 'halfvec(2001)']);
    expect((await b.collectionTable('h2001')).vectorType).toBe('halfvec');

    // halfvec keeps half precision: values come back rounded, search still works.
    const r = rng(3);
    const items = Array.from({ length: 20 }, (_, i) => item(`h${i}`, randomVector(r, 2001)));
    await b.upsert('h2001', items);
    const [hit] = await b.searchExact({
      collections: ['h2001'],
      vector: items[7]?.vector as Float32Array,
      k: 1,
      metric: 'cosine',
    });
    expect(hit?.id).toBe('h7');
    expect(hit?.distance).toBeCloseTo(0, 3);
    const back = (await b.get('h2001', ['h7']))[0]?.vector as Float32Array;
    expect(back.length).toBe(2001);
    for (let i = 0; i < 2001; i++) expect(Math.abs((back[i] as number) - (items[7]?.vector[i] as number))).toBeLessThan(1e-3);
    // Beyond half precision's range: refused, and nothing of the batch is stored.
    const huge = randomVector(r, 2001);
    huge[5] = 1e6;
    expect(await codeOf(b.upsert('h2001', [item('ok', randomVector(r, 2001)), item('huge', huge)]))).toBe('INVALID_VECTOR');
    expect(await b.count('h2001')).toBe(20);
  });

  for (const insertPath of ['copy', 'insert'] as InsertPath[]) {
    it(`stores the same thing through the ${insertPath} path: vectors bit-exact, content, metadata, contentHash`, async () => {
      const b = await stores.open({ insertPath });
      await b.createCollection(spec('c', 5));
      const r = rng(5);
      const items: NormalizedItem[] = Array.from({ length: 300 }, (_, i) => ({
        id: i % 7 === 0 ? `tab\tnew\nline\\${i}` : `ü-${i}-😀`,
        vector: randomVector(r, 5),
        content: i % 3 === 0 ? null : `text ${i} with 'quotes' and \\ backslash\ttab`,
        metadata:
          i % 5 === 0 ? null : { i, s: `s${i}`, nested: { deep: [1, 'two', null] }, 'key\'with"quotes': true, "it's; --": i },
        contentHash: i % 4 === 0 ? null : `sha256:${i}`,
      }));
      await b.upsert('c', items);
      const got = await b.get(
        'c',
        items.map((x) => x.id),
      );
      expect(got).toHaveLength(items.length);
      for (const [k, g] of got.entries()) {
        const want = items[k] as NormalizedItem;
        expect(g.id).toBe(want.id);
        expect(Array.from(g.vector as Float32Array)).toEqual(Array.from(want.vector));
        expect(g.content).toBe(want.content);
        expect(g.metadata).toEqual(want.metadata);
        expect(g.contentHash).toBe(want.contentHash);
      }
      // Overwrite half of them: still one row each, one change each.
      await b.upsert(
        'c',
        items.slice(0, 150).map((x) => ({ ...x, content: 'rewritten' })),
      );
      expect(await b.count('c')).toBe(300);
      expect(await b.countChanges(['c'], null)).toBe(300);
      expect(await b.count('c', parseFilter({ "it's; --": { $gte: 0 } }))).toBe(items.filter((x) => x.metadata !== null).length);
      // PostgreSQL text cannot hold NUL: a typed error, and the batch stores nothing.
      for (const bad of [
        item('nul-content', [1, 2, 3, 4, 5], null, 'a\u0000b'),
        item('nul-meta', [1, 2, 3, 4, 5], { k: 'a\u0000b' }),
      ]) {
        expect(await codeOf(b.upsert('c', [item('fine', [5, 4, 3, 2, 1]), bad]))).toBe('INVALID_ITEM');
      }
      expect(await b.get('c', ['fine', 'nul-content', 'nul-meta'])).toEqual([]);
    });

    it(`keeps -0, subnormals and float32 extremes bit for bit through the ${insertPath} path, from views at any offset`, async () => {
      const b = await stores.open({ insertPath });
      await b.createCollection(spec('bits', 7));
      const special = [-0, 1.4e-45, -1.1754942e-38, 1.1754944e-38, 3.4028235e38, -3.4028235e38, 1 / 3];
      // One backing buffer, vectors as views into it at odd element offsets (the COPY encoder
      // copies each view's bytes; a wrong byteOffset or byte order shows up here).
      const backing = new Float32Array(7 * 40 + 3);
      const items: NormalizedItem[] = Array.from({ length: 40 }, (_, i) => {
        const v = backing.subarray(1 + 7 * i, 1 + 7 * (i + 1));
        for (let j = 0; j < 7; j++) v[j] = (special[(i + j) % 7] as number) * (i % 2 === 0 ? 1 : -1);
        return { id: `${'x'.repeat(i)}${i}`, vector: v, content: null, metadata: null };
      });
      await b.upsert('bits', items);
      const got = await b.get(
        'bits',
        items.map((x) => x.id),
      );
      const bits = (v: Float32Array) => Array.from(new Uint32Array(Float32Array.from(v).buffer));
      expect(got.map((g) => bits(g.vector as Float32Array))).toEqual(items.map((x) => bits(x.vector)));
    });
  }

  it('treats collection names, ids and metadata keys as data, never as SQL', async () => {
    const b = await stores.open();
    const evil = `x'); DROP TABLE "${b.schema}".collections; --`;
    await b.createCollection(spec('robert-tables', 3));
    await b.upsert('robert-tables', [item(evil, [1, 0, 0], { [evil]: evil, 'a.b': 1 }, evil)]);
    expect((await b.get('robert-tables', [evil]))[0]?.metadata).toEqual({ [evil]: evil, 'a.b': 1 });
    expect(await b.count('robert-tables', parseFilter({ [evil.replaceAll('"', '')]: { $exists: false } }))).toBe(1);
    expect(await b.delete('robert-tables', [evil])).toBe(1);
    expect(await codeOf(b.upsert(evil, [item('a', [1, 2, 3])]))).toBe('UNKNOWN_COLLECTION');
    expect((await b.listCollections()).map((c) => c.name)).toEqual(['robert-tables']);
  });

  it('a path through an array is missing, as in core (arr.0 is not an index), and strings compare by code point', async () => {
    const b = await stores.open();
    await b.createCollection(spec('c', 2));
    const metas: Metadata[] = [
      { arr: [5, 6] },
      { arr: { 0: 5 } },
      { s: 'z' },
      { s: '😀' },
      { s: '\uffff' },
      { s: 'é' },
      { n: 1e21 },
      { n: -0.25 },
    ];
    await b.upsert(
      'c',
      metas.map((m, i) => item(`m${i}`, [i, 1], m)),
    );
    const filters = [
      { 'arr.0': 5 },
      { 'arr.0': { $exists: true } },
      { 'arr.0': { $ne: 5 } },
      { s: { $gt: '\uffff' } },
      { s: { $lt: '😀' } },
      { s: { $gte: 'z' } },
      { n: { $gt: 1e20 } },
      { n: { $in: [-0.25, 'x', null] } },
      { n: { $nin: [1e21] } },
      { $not: { s: { $exists: true } } },
    ];
    for (const f of filters) {
      const node = parseFilter(f);
      const want = metas
        .map((m, i) => [m, `m${i}`] as const)
        .filter(([m]) => filterPredicate(node)(m))
        .map(([, id]) => id);
      const got: string[] = [];
      for await (const page of b.scan('c', { batchSize: 3, filter: node, vectors: false })) got.push(...page.map((p) => p.id));
      expect(got.sort(), JSON.stringify(f)).toEqual(want.sort());
    }
  });

  it('exact search is exact even with a native HNSW index on the table', async () => {
    // Sequential scans discouraged for this backend's sessions, so the planner would pick the index if it could.
    const url = new URL(pgUrl());
    url.searchParams.set('options', '-c enable_seqscan=off');
    const b = await stores.open({ connectionString: url.toString() });
    const metric: Metric = 'l2';
    await b.createCollection(spec('c', 8, metric));
    const r = rng(9);
    const items = Array.from({ length: 400 }, (_, i) => item(`p${i}`, randomVector(r, 8)));
    await b.upsert('c', items);
    const { table, vectorColumn } = await b.collectionTable('c');
    // A deliberately poor index: with it, an index scan would return approximate results.
    await withAdmin((c) =>
      c.query(`CREATE INDEX ON ${table} USING hnsw (${vectorColumn} vector_l2_ops) WITH (m = 2, ef_construction = 4)`),
    );
    for (let q = 0; q < 10; q++) {
      const query = randomVector(r, 8);
      const want = items
        .map((x) => ({ id: x.id, d: distance(metric, query, x.vector) }))
        .sort((x, y) => x.d - y.d)
        .slice(0, 10)
        .map((x) => x.id);
      const hits = await b.searchExact({ collections: ['c'], vector: query, k: 10, metric });
      expect(hits.map((h) => h.id)).toEqual(want);
    }
  });

  it("compileFilter of the native access appends parameters after the caller's", async () => {
    const b = await stores.open();
    await b.createCollection(spec('c', 2));
    await b.upsert('c', [item('a', [1, 0], { lang: 'en', year: 2021 }), item('b', [0, 1], { lang: 'de', year: 2019 })]);
    const { table, idColumn } = await b.collectionTable('c');
    const params: unknown[] = ['a'];
    const where = b.compileFilter(parseFilter({ lang: 'en', year: { $gte: 2020 } }) as FilterNode, params);
    const rows = await b.pool.query(`SELECT ${idColumn} AS id FROM ${table} WHERE ${where} OR ${idColumn} = $1`, params);
    expect(rows.rows.map((x) => x.id)).toEqual(['a']);
    expect(await codeOf(b.collectionTable('nope'))).toBe('UNKNOWN_COLLECTION');
  });
});
