import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterPredicate, parseFilter, type FilterNode, type FilterScalar, type JsonValue, type Metadata } from '@vecdex/core';
import type { SqliteVecBackend } from '../src/index.js';
import { compileFilter } from '../src/filter-sql.js';
import { item, makeTempDir, openStore, pick, removeDir, rng, spec } from './helpers.js';

let dir: string;
let b: SqliteVecBackend;
let collectionCounter = 0;

beforeAll(async () => {
  dir = makeTempDir();
  b = await openStore(dir);
});
afterAll(async () => {
  await b.close();
  removeDir(dir);
});

/** Store `metadata` as items m0, m1, ... of a new collection; returns its name. */
async function store(metadata: (Metadata | null)[]): Promise<string> {
  const name = `f${collectionCounter++}`;
  await b.createCollection(spec(name, 2));
  await b.upsert(
    name,
    metadata.map((m, i) => item(`m${i}`, [i, 1], m)),
  );
  return name;
}

/** The ids the backend selects with `filter`, by count, scan and filtered search, checked to agree. */
async function selected(name: string, filter: FilterNode, n: number, withSearch: boolean): Promise<string[]> {
  const scanned: string[] = [];
  for await (const batch of b.scan(name, { batchSize: 7, vectors: false, filter })) scanned.push(...batch.map((i) => i.id));
  expect(await b.count(name, filter)).toBe(scanned.length);
  if (withSearch) {
    const hits = await b.searchExact({ collections: [name], vector: new Float32Array([0, 0]), k: n, metric: 'l2', filter });
    expect(hits.map((h) => h.id).sort()).toEqual([...scanned].sort());
  }
  return scanned.sort();
}

function expected(metadata: (Metadata | null)[], filter: FilterNode): string[] {
  const pred = filterPredicate(filter);
  return metadata.flatMap((m, i) => (pred(m) ? [`m${i}`] : [])).sort();
}

// ---- random data --------------------------------------------------------------------------------

const PATH_KEYS = ['a', 'b', 'c', 'ключ', '😀', 'x y', "it's", '$', '0', 'a[0]', '*'];
const EXTRA_KEYS = ['d.e', ''];
const NUMBERS = [
  0,
  1,
  -1,
  2,
  3,
  10,
  100,
  -100,
  1.5,
  -2.5,
  0.1,
  0.2,
  0.30000000000000004,
  1e-7,
  12345.678,
  1e21,
  -1e21,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 60,
  -(2 ** 60),
  1e300,
  -1e-300,
  5e-324,
  1.7976931348623157e308,
  // SQLite's JSON parser reads these as a different double, or as an exact int64 that differs
  // from the JS double: bound as plain numbers they would not equal themselves.
  7.3436997234028304e16,
  6.9125163951840885e-208,
  -8.479983226027059e194,
  1.3221019552924015e-137,
];
const STRINGS = [
  '',
  'a',
  'b',
  'A',
  'aa',
  'ab',
  'é',
  'e\u0301',
  'z',
  'Z',
  '日本',
  '日本語',
  '😀',
  '\uffff',
  '\uff5e',
  'a😀',
  'a\uffff',
  '1',
  'true',
  'null',
  ' ',
  'ß',
  'SS',
  'tab\there',
  'nul\u0000x',
];

function randomNumber(r: () => number): number {
  const x = r();
  if (x < 0.6) return pick(r, NUMBERS);
  if (x < 0.8) return Math.floor(r() * 21) - 10;
  return (r() - 0.5) * 10 ** Math.floor(r() * 12 - 4);
}

function randomScalar(r: () => number): FilterScalar {
  const x = r();
  if (x < 0.4) return randomNumber(r);
  if (x < 0.8) return pick(r, STRINGS);
  if (x < 0.9) return r() < 0.5;
  return null;
}

function randomValue(r: () => number, depth: number): JsonValue {
  const x = r();
  if (depth < 2 && x < 0.15) return randomObject(r, depth + 1);
  if (x < 0.22) return Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.2 ? [randomScalar(r)] : randomScalar(r)));
  return randomScalar(r);
}

function randomObject(r: () => number, depth: number): Metadata {
  const out: Metadata = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out[r() < 0.9 ? randomKey(r) : pick(r, EXTRA_KEYS)] = randomValue(r, depth);
  return out;
}

/** Mostly the first few keys, so that filters and metadata meet often. */
function randomKey(r: () => number): string {
  return r() < 0.7 ? pick(r, PATH_KEYS.slice(0, 3)) : pick(r, PATH_KEYS);
}

function randomPath(r: () => number): string[] {
  return r() < 0.75 ? [randomKey(r)] : [randomKey(r), randomKey(r)];
}

function randomFilter(r: () => number, depth: number): FilterNode {
  if (depth < 3 && r() < 0.35) {
    const op = pick(r, ['and', 'or', 'not'] as const);
    if (op === 'not') return { op, child: randomFilter(r, depth + 1) };
    return { op, children: Array.from({ length: Math.floor(r() * 4) }, () => randomFilter(r, depth + 1)) };
  }
  const path = randomPath(r);
  const op = pick(r, ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists'] as const);
  switch (op) {
    case 'eq':
    case 'ne':
      return { op, path, value: randomScalar(r) };
    case 'in':
    case 'nin':
      return { op, path, values: Array.from({ length: Math.floor(r() * 5) }, () => randomScalar(r)) };
    case 'exists':
      return { op, path, value: r() < 0.7 };
    default:
      return { op, path, value: r() < 0.5 ? randomNumber(r) : pick(r, STRINGS) };
  }
}

// ---- tests --------------------------------------------------------------------------------------

describe('compileFilter', () => {
  it('puts paths and operands in parameters, never in the SQL', () => {
    const f = compileFilter({ op: 'eq', path: ["it's", 'x'], value: "'; DROP TABLE vecdex_items; --" });
    expect(f.sql).not.toContain('DROP');
    expect(f.sql).not.toContain("it's");
    expect(f.params).toEqual([`$."it's"."x"`, `$."it's"."x"`, "'; DROP TABLE vecdex_items; --"]);
    expect(compileFilter(null)).toEqual({ sql: '1', params: [] });
  });

  it('matches the documented semantics on hand-picked cases', async () => {
    const metadata: (Metadata | null)[] = [
      { n: 1, s: '1', t: true, z: null, arr: [1], obj: { k: 'v' } },
      { n: '1', s: 1, t: 1 },
      { n: 2.5, nested: { deep: { x: 'y' } } },
      {},
      null,
    ];
    const name = await store(metadata);
    const cases: [unknown, string[]][] = [
      [{ n: 1 }, ['m0']],
      [{ n: '1' }, ['m1']],
      [{ t: true }, ['m0']],
      [{ t: 1 }, ['m1']],
      [{ z: null }, ['m0']],
      [{ z: { $exists: true } }, ['m0']],
      [{ z: { $exists: false } }, ['m1', 'm2', 'm3', 'm4']],
      [{ n: { $ne: 1 } }, ['m1', 'm2', 'm3', 'm4']],
      [{ n: { $nin: [1, '1'] } }, ['m2', 'm3', 'm4']],
      [{ n: { $gt: 1 } }, ['m2']],
      [{ n: { $gte: '1' } }, ['m1']],
      [{ arr: 1 }, []],
      [{ arr: { $ne: 1 } }, ['m0', 'm1', 'm2', 'm3', 'm4']],
      [{ obj: { $exists: true } }, ['m0']],
      [{ 'obj.k': 'v' }, ['m0']],
      [{ 'nested.deep.x': 'y' }, ['m2']],
      [{ 'n.x': { $exists: false } }, ['m0', 'm1', 'm2', 'm3', 'm4']],
      [{ $not: { n: 1 } }, ['m1', 'm2', 'm3', 'm4']],
      [{}, ['m0', 'm1', 'm2', 'm3', 'm4']],
    ];
    for (const [filter, want] of cases) {
      const node = parseFilter(filter) as FilterNode;
      expect(expected(metadata, node), JSON.stringify(filter)).toEqual(want);
      expect(await selected(name, node, metadata.length, true), JSON.stringify(filter)).toEqual(want);
    }
  });

  it('orders strings by code point, as compareCodePoints does', async () => {
    const metadata = STRINGS.map((s) => ({ s }));
    const name = await store(metadata);
    for (const pivot of STRINGS) {
      for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
        const node: FilterNode = { op, path: ['s'], value: pivot };
        expect(await selected(name, node, metadata.length, false), `${op} ${JSON.stringify(pivot)}`).toEqual(
          expected(metadata, node),
        );
      }
    }
  });

  it('compares numbers as JSON numbers, even where SQLite parses them inexactly', async () => {
    const metadata = NUMBERS.map((n) => ({ n }));
    const name = await store(metadata);
    for (const pivot of NUMBERS) {
      for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const) {
        const node: FilterNode = { op, path: ['n'], value: pivot };
        expect(await selected(name, node, metadata.length, false), `${op} ${pivot}`).toEqual(expected(metadata, node));
      }
    }
    const node: FilterNode = { op: 'in', path: ['n'], values: NUMBERS.filter((_, i) => i % 2 === 0) };
    expect(await selected(name, node, metadata.length, false)).toEqual(expected(metadata, node));
  });

  it('selects exactly what filterPredicate selects, on random filters over random metadata', async () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const metadata = Array.from({ length: 50 }, () => (r() < 0.1 ? null : randomObject(r, 0)));
      const name = await store(metadata);
      for (let f = 0; f < 40; f++) {
        const filter = randomFilter(r, 0);
        const want = expected(metadata, filter);
        const got = await selected(name, filter, metadata.length, f % 5 === 0);
        expect(got, `seed ${seed} filter ${JSON.stringify(filter)}`).toEqual(want);
        checked++;
      }
    }
    expect(checked).toBe(1600);
  });
});
