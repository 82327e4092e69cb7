import { describe, expect, it } from 'vitest';
import { MAX_FILTER_CONDITIONS, parseFilter, type FilterNode } from '../src/index.js';
import { limitFilter } from '../src/testing/backend-conformance/wide-filters.js';
import { expectVecdexErrorSync } from './helpers.js';

/** Expect INVALID_FILTER pointing at `at`, with a message containing each of `parts`. */
function bad(filter: unknown, at: string, ...parts: string[]): string {
  const err = expectVecdexErrorSync(() => parseFilter(filter), 'INVALID_FILTER');
  expect(err.details.at).toBe(at);
  expect(err.message.startsWith(at === '' ? 'filter: ' : `filter at ${at}: `)).toBe(true);
  for (const p of parts) expect(err.message).toContain(p);
  return err.message;
}

describe('parseFilter: accepted filters', () => {
  it('returns null for no filter', () => {
    expect(parseFilter(undefined)).toBeNull();
    expect(parseFilter(null)).toBeNull();
  });

  it('an empty object is an empty $and (matches everything)', () => {
    expect(parseFilter({})).toEqual({ op: 'and', children: [] });
  });

  it('a bare value means $eq, for each scalar type', () => {
    expect(parseFilter({ lang: 'en' })).toEqual({ op: 'eq', path: ['lang'], value: 'en' });
    expect(parseFilter({ n: 0 })).toEqual({ op: 'eq', path: ['n'], value: 0 });
    expect(parseFilter({ ok: false })).toEqual({ op: 'eq', path: ['ok'], value: false });
    expect(parseFilter({ gone: null })).toEqual({ op: 'eq', path: ['gone'], value: null });
  });

  it('parses every key operator', () => {
    const cases: [unknown, FilterNode][] = [
      [{ a: { $eq: 'x' } }, { op: 'eq', path: ['a'], value: 'x' }],
      [{ a: { $ne: 1 } }, { op: 'ne', path: ['a'], value: 1 }],
      [{ a: { $gt: 1.5 } }, { op: 'gt', path: ['a'], value: 1.5 }],
      [{ a: { $gte: -2 } }, { op: 'gte', path: ['a'], value: -2 }],
      [{ a: { $lt: 'm' } }, { op: 'lt', path: ['a'], value: 'm' }],
      [{ a: { $lte: '' } }, { op: 'lte', path: ['a'], value: '' }],
      [{ a: { $in: ['x', 1, true, null] } }, { op: 'in', path: ['a'], values: ['x', 1, true, null] }],
      [{ a: { $nin: [] } }, { op: 'nin', path: ['a'], values: [] }],
      [{ a: { $exists: true } }, { op: 'exists', path: ['a'], value: true }],
      [{ a: { $exists: false } }, { op: 'exists', path: ['a'], value: false }],
    ];
    for (const [input, expected] of cases) expect(parseFilter(input)).toEqual(expected);
  });

  it('several operators on one key, and several keys, are ANDed in order', () => {
    expect(parseFilter({ year: { $gte: 2020, $lt: 2024 }, lang: 'en' })).toEqual({
      op: 'and',
      children: [
        { op: 'gte', path: ['year'], value: 2020 },
        { op: 'lt', path: ['year'], value: 2024 },
        { op: 'eq', path: ['lang'], value: 'en' },
      ],
    });
  });

  it('dotted keys become paths', () => {
    expect(parseFilter({ 'author.name': 'Ann' })).toEqual({ op: 'eq', path: ['author', 'name'], value: 'Ann' });
    expect(parseFilter({ 'a.b.c': { $exists: true } })).toEqual({ op: 'exists', path: ['a', 'b', 'c'], value: true });
  });

  it('nests $and, $or and $not', () => {
    const f = {
      $or: [{ lang: 'en' }, { $and: [{ year: { $gte: 2020 } }, { $not: { tag: { $in: ['draft'] } } }] }],
    };
    expect(parseFilter(f)).toEqual({
      op: 'or',
      children: [
        { op: 'eq', path: ['lang'], value: 'en' },
        {
          op: 'and',
          children: [
            { op: 'gte', path: ['year'], value: 2020 },
            { op: 'not', child: { op: 'in', path: ['tag'], values: ['draft'] } },
          ],
        },
      ],
    });
  });

  it('accepts the documented example', () => {
    const node = parseFilter({
      lang: 'en',
      year: { $gte: 2020 },
      $or: [{ tag: { $in: ['a', 'b'] } }, { 'author.name': { $exists: true } }],
    });
    expect(node).toEqual({
      op: 'and',
      children: [
        { op: 'eq', path: ['lang'], value: 'en' },
        { op: 'gte', path: ['year'], value: 2020 },
        {
          op: 'or',
          children: [
            { op: 'in', path: ['tag'], values: ['a', 'b'] },
            { op: 'exists', path: ['author', 'name'], value: true },
          ],
        },
      ],
    });
  });

  it('accepts null-prototype objects (e.g. from Object.create(null))', () => {
    const f = Object.create(null) as Record<string, unknown>;
    f.k = 1;
    expect(parseFilter(f)).toEqual({ op: 'eq', path: ['k'], value: 1 });
  });

  it('accepts 32 nested levels but not more', () => {
    let f: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 32; i++) f = { $not: f };
    expect(parseFilter(f)).not.toBeNull();
    bad({ $not: f }, '$not'.concat('.$not'.repeat(32)), 'nest at most 32 levels');
  });

  it(`accepts ${MAX_FILTER_CONDITIONS} conditions, not one more, and names the limit`, () => {
    const keys = (n: number) => Array.from({ length: n }, (_, j) => ({ [`k${j}`]: j }));
    // An $or counts as one condition, beside its children.
    expect(parseFilter({ $or: keys(MAX_FILTER_CONDITIONS - 1) })).not.toBeNull();
    bad(
      { $or: keys(MAX_FILTER_CONDITIONS) },
      `$or[${MAX_FILTER_CONDITIONS - 1}].k${MAX_FILTER_CONDITIONS - 1}`,
      'at most 4096 conditions',
      '$in',
    );
    // Each operator on a key counts, and so do $and and $not (an object's implicit AND does not).
    const ops = Object.fromEntries(Array.from({ length: MAX_FILTER_CONDITIONS }, (_, j) => [`k${j}`, { $gte: 0, $lt: 9 }]));
    bad(ops, `k${MAX_FILTER_CONDITIONS / 2}`, 'at most 4096 conditions');
    bad(
      { $and: [{ $not: { $or: keys(MAX_FILTER_CONDITIONS - 2) } }] },
      `$and[0].$not.$or[${MAX_FILTER_CONDITIONS - 3}].k${MAX_FILTER_CONDITIONS - 3}`,
      'at most 4096',
    );
    expect(parseFilter({ $and: [{ $not: { $or: keys(MAX_FILTER_CONDITIONS - 3) } }] })).not.toBeNull();
  });

  it('the conformance limit filter is exactly at both limits', () => {
    const f = limitFilter();
    expect(parseFilter(f)).not.toBeNull();
    // One more level or one more condition is refused.
    expect(expectVecdexErrorSync(() => parseFilter({ $and: [f] }), 'INVALID_FILTER').message).toMatch(
      /at most (4096 conditions|32 levels)/,
    );
    expect(expectVecdexErrorSync(() => parseFilter({ ...f, extra: 1 }), 'INVALID_FILTER').message).toContain(
      'at most 4096 conditions',
    );
  });

  it('accepts $in with 10000 values, not 10001', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => i);
    expect((parseFilter({ a: { $in: many } }) as { values: number[] }).values).toHaveLength(10_000);
    bad({ a: { $in: [...many, 1] } }, 'a.$in', 'at most 10000 values');
  });
});

describe('parseFilter: malformed filters point at the offending part', () => {
  it('the example path $or[1].year.$gte', () => {
    bad(
      { $or: [{ lang: 'en' }, { year: { $gte: [2020] } }] },
      '$or[1].year.$gte',
      '$gte compares numbers or strings',
      'an array of length 1',
    );
  });

  it('a non-object filter', () => {
    bad('lang = en', '', 'a filter must be an object', '"lang = en"');
    bad([{ a: 1 }], '', 'a filter must be an object', 'an array of length 1');
    bad(42, '', 'a filter must be an object', '42');
    bad(new Date(0), '', 'a filter must be an object');
  });

  it('$and/$or need a non-empty array of filter objects', () => {
    bad({ $or: [] }, '$or', '$or takes a non-empty array of filters');
    bad({ $and: { a: 1 } }, '$and', '$and takes a non-empty array');
    bad({ $and: [{ a: 1 }, 'b'] }, '$and[1]', 'expected a filter object', '"b"');
    bad({ $or: [{ a: 1 }, [{ b: 2 }]] }, '$or[1]', 'expected a filter object');
    bad({ $or: [{ $and: [{ x: 1 }, { y: { $lt: true } }] }] }, '$or[0].$and[1].y.$lt', '$lt compares numbers or strings', 'true');
  });

  it('$not needs one filter object', () => {
    bad({ $not: [{ a: 1 }] }, '$not', '$not takes a filter object');
    bad({ $not: 'a' }, '$not', '$not takes a filter object');
    bad({ $not: { a: { $exists: 'yes' } } }, '$not.a.$exists', '$exists takes true or false', '"yes"');
  });

  it('unknown operators, at the top level and on a key', () => {
    bad({ $nor: [{ a: 1 }] }, '$nor', 'unknown operator $nor', '$and, $or, $not');
    bad({ a: { $regex: '^x' } }, 'a.$regex', 'unknown operator $regex', '$eq $ne $gt $gte $lt $lte $in $nin $exists');
    bad({ a: { $gte: 1, $size: 2 } }, 'a.$size', 'unknown operator $size');
    bad({ a: { $and: [{ b: 1 }] } }, 'a.$and', 'unknown operator $and');
  });

  it('nested objects are not values: the message says to use dotted keys', () => {
    bad({ author: { name: 'Ann' } }, 'author.name', 'unknown operator name', 'use dotted keys');
  });

  it('an empty operator object', () => {
    bad({ a: {} }, 'a', 'needs at least one operator');
  });

  it('non-finite numbers, wherever they appear', () => {
    bad({ a: Number.NaN }, 'a', 'numbers in filters must be finite', '(got NaN)');
    bad({ a: { $eq: Number.POSITIVE_INFINITY } }, 'a.$eq', 'must be finite', '(got Infinity)');
    bad({ a: { $ne: Number.NEGATIVE_INFINITY } }, 'a.$ne', 'must be finite', '(got -Infinity)');
    bad({ a: { $gt: Number.NaN } }, 'a.$gt', '$gt compares numbers or strings', '(got NaN)');
    bad({ a: { $lte: Number.POSITIVE_INFINITY } }, 'a.$lte', '(got Infinity)');
    bad({ a: { $in: [1, Number.NaN] } }, 'a.$in[1]', 'must be finite', '(got NaN)');
    bad({ $or: [{ a: 1 }, { b: { $nin: [Number.POSITIVE_INFINITY] } }] }, '$or[1].b.$nin[0]', 'must be finite');
  });

  it('arrays and objects where a scalar is expected', () => {
    bad({ tags: ['a', 'b'] }, 'tags', 'expected a string, number, boolean or null', 'an array of length 2');
    bad({ a: { $eq: ['x'] } }, 'a.$eq', 'expected a string, number, boolean or null');
    bad({ a: { $ne: { $eq: 1 } } }, 'a.$ne', 'expected a string, number, boolean or null');
    bad({ a: { $in: 'x' } }, 'a.$in', '$in takes an array of values', '"x"');
    bad({ a: { $nin: { x: 1 } } }, 'a.$nin', '$nin takes an array of values');
    bad({ a: { $in: [['x']] } }, 'a.$in[0]', 'expected a string, number, boolean or null');
    bad({ a: { $gte: null } }, 'a.$gte', '$gte compares numbers or strings', 'null');
  });

  it('values that are not JSON give INVALID_FILTER, not a TypeError', () => {
    bad({ a: 10n }, 'a', 'expected a string, number, boolean or null', 'bigint');
    bad({ a: { $gt: 10n } }, 'a.$gt', '$gt compares numbers or strings');
    bad({ a: undefined }, 'a', 'expected a string, number, boolean or null');
    bad({ a: () => 1 }, 'a', 'expected a string, number, boolean or null');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    bad({ a: { $eq: cycle } }, 'a.$eq', 'expected a string, number, boolean or null');
    bad({ a: { $in: [cycle] } }, 'a.$in[0]', 'expected a string, number, boolean or null');
  });

  it('a Date or class instance is refused as a value, not read as an operator object', () => {
    bad({ created: new Date(0) }, 'created', 'expected a string, number, boolean or null');
    class Box {
      v = 1;
    }
    bad({ a: new Box() }, 'a', 'expected a string, number, boolean or null');
    bad({ a: new Float32Array(2) }, 'a', 'expected a string, number, boolean or null', 'Float32Array');
  });

  it('keys with quotes, backslashes, control characters or empty parts', () => {
    bad({ 'a"b': 1 }, 'a"b', 'invalid metadata key "a"b"', 'quotes');
    bad({ 'x.y"z': { $exists: true } }, 'x.y"z', 'invalid metadata key');
    bad({ 'a\\b': 1 }, 'a\\b', 'invalid metadata key');
    bad({ 'a\nb': 1 }, 'a\nb', 'invalid metadata key');
    bad({ '': 1 }, '', 'invalid metadata key');
    bad({ 'a..b': 1 }, 'a..b', 'empty parts');
    bad({ '.a': 1 }, '.a', 'invalid metadata key');
    bad({ 'a.': 1 }, 'a.', 'invalid metadata key');
    bad({ $or: [{ ok: 1 }, { 'q"': 1 }] }, '$or[1].q"', 'invalid metadata key');
  });

  it('the error is a VecdexError carrying the location in details', () => {
    const err = expectVecdexErrorSync(() => parseFilter({ $and: [{ a: { $in: [1, {}] } }] }), 'INVALID_FILTER');
    expect(err.name).toBe('VecdexError');
    expect(err.details).toEqual({ at: '$and[0].a.$in[1]' });
  });
});
