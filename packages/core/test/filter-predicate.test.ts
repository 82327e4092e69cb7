import { describe, expect, it } from 'vitest';
import { compareCodePoints, filterPredicate, parseFilter, type Metadata } from '../src/index.js';

/** Which of `docs` (by index) match `filter`. */
function matching(filter: unknown, docs: (Metadata | null)[]): number[] {
  const pred = filterPredicate(parseFilter(filter));
  return docs.flatMap((d, i) => (pred(d) ? [i] : []));
}

const test = (filter: unknown, md: Metadata | null): boolean => filterPredicate(parseFilter(filter))(md);

describe('filterPredicate', () => {
  it('no filter matches everything, including items without metadata', () => {
    const pred = filterPredicate(null);
    expect(pred(null)).toBe(true);
    expect(pred({ a: 1 })).toBe(true);
    expect(test({}, null)).toBe(true);
  });

  describe('$eq: same JSON type and equal', () => {
    const docs: Metadata[] = [
      { v: 1 },
      { v: '1' },
      { v: true },
      { v: 0 },
      { v: false },
      { v: null },
      { v: [1] },
      { v: { x: 1 } },
      {},
      { v: '' },
    ];
    it('1 ≠ "1" and true ≠ 1', () => {
      expect(matching({ v: 1 }, docs)).toEqual([0]);
      expect(matching({ v: '1' }, docs)).toEqual([1]);
      expect(matching({ v: true }, docs)).toEqual([2]);
      expect(matching({ v: { $eq: 0 } }, docs)).toEqual([3]);
      expect(matching({ v: false }, docs)).toEqual([4]);
      expect(matching({ v: '' }, docs)).toEqual([9]);
    });
    it('null matches only an explicit null, not a missing key', () => {
      expect(matching({ v: null }, docs)).toEqual([5]);
    });
    it('arrays and objects are never equal to a scalar', () => {
      expect(test({ v: 1 }, { v: [1] })).toBe(false);
      expect(test({ v: 'x' }, { v: ['x'] })).toBe(false);
      expect(test({ v: { $in: [1, 'x'] } }, { v: [1, 'x'] })).toBe(false);
    });
    it('no metadata matches no $eq', () => {
      expect(test({ v: null }, null)).toBe(false);
    });
  });

  describe('$ne is the negation of $eq', () => {
    it('a missing key and null metadata match $ne', () => {
      expect(test({ v: { $ne: 1 } }, {})).toBe(true);
      expect(test({ v: { $ne: 1 } }, null)).toBe(true);
      expect(test({ v: { $ne: null } }, {})).toBe(true);
    });
    it('different types are not equal', () => {
      expect(test({ v: { $ne: 1 } }, { v: '1' })).toBe(true);
      expect(test({ v: { $ne: 1 } }, { v: 1 })).toBe(false);
      expect(test({ v: { $ne: null } }, { v: null })).toBe(false);
      expect(test({ v: { $ne: 'x' } }, { v: ['x'] })).toBe(true);
    });
  });

  describe('$in / $nin', () => {
    const docs: Metadata[] = [{ t: 'a' }, { t: 'b' }, { t: null }, {}, { t: 1 }];
    it('$in is $eq to any value', () => {
      expect(matching({ t: { $in: ['a', 1] } }, docs)).toEqual([0, 4]);
      expect(matching({ t: { $in: ['1'] } }, docs)).toEqual([]);
      expect(matching({ t: { $in: [null] } }, docs)).toEqual([2]);
      expect(matching({ t: { $in: [] } }, docs)).toEqual([]);
    });
    it('$nin is not $in: a missing key matches', () => {
      expect(matching({ t: { $nin: ['a', null] } }, docs)).toEqual([1, 3, 4]);
      expect(matching({ t: { $nin: [] } }, docs)).toEqual([0, 1, 2, 3, 4]);
      expect(test({ t: { $nin: ['a'] } }, null)).toBe(true);
    });
  });

  describe('$exists', () => {
    it('null is present; a missing key is not', () => {
      expect(test({ v: { $exists: true } }, { v: null })).toBe(true);
      expect(test({ v: { $exists: false } }, { v: null })).toBe(false);
      expect(test({ v: { $exists: true } }, {})).toBe(false);
      expect(test({ v: { $exists: false } }, {})).toBe(true);
      expect(test({ v: { $exists: false } }, null)).toBe(true);
      expect(test({ v: { $exists: true } }, { v: false })).toBe(true);
    });
    it('inherited properties do not exist', () => {
      expect(test({ toString: { $exists: true } }, {})).toBe(false);
      expect(test({ constructor: { $exists: true } }, { a: 1 })).toBe(false);
      expect(test({ 'a.length': { $exists: true } }, { a: 'abc' })).toBe(false);
    });
  });

  describe('dotted paths', () => {
    const md: Metadata = { author: { name: 'Ann', meta: { age: 40 } }, tags: ['x', 'y'], 'a.b': 1, s: 'str' };
    it('walk into nested objects', () => {
      expect(test({ 'author.name': 'Ann' }, md)).toBe(true);
      expect(test({ 'author.meta.age': { $gte: 40 } }, md)).toBe(true);
      expect(test({ 'author.meta.age': { $gt: 40 } }, md)).toBe(false);
      expect(test({ 'author.missing': { $exists: false } }, md)).toBe(true);
    });
    it('do not index into arrays or scalars', () => {
      expect(test({ 'tags.0': { $exists: true } }, md)).toBe(false);
      expect(test({ 'tags.0': 'x' }, md)).toBe(false);
      expect(test({ 's.length': { $exists: true } }, md)).toBe(false);
    });
    it('a key that itself contains a dot is not addressable as one part', () => {
      expect(test({ 'a.b': 1 }, md)).toBe(false);
      expect(test({ 'a.b': 1 }, { a: { b: 1 } })).toBe(true);
    });
    it('an object value is not a scalar', () => {
      expect(test({ author: { $ne: 'Ann' } }, md)).toBe(true);
      expect(test({ author: { $exists: true } }, md)).toBe(true);
    });
  });

  describe('range operators compare only values of the same type', () => {
    const docs: Metadata[] = [{ y: 2019 }, { y: 2020 }, { y: 2021 }, { y: '2021' }, { y: null }, {}, { y: true }, { y: [2022] }];
    it('numbers against a number', () => {
      expect(matching({ y: { $gt: 2020 } }, docs)).toEqual([2]);
      expect(matching({ y: { $gte: 2020 } }, docs)).toEqual([1, 2]);
      expect(matching({ y: { $lt: 2020 } }, docs)).toEqual([0]);
      expect(matching({ y: { $lte: 2020 } }, docs)).toEqual([0, 1]);
      expect(matching({ y: { $gte: 2019, $lt: 2021 } }, docs)).toEqual([0, 1]);
    });
    it('strings against a string, never numbers against a string', () => {
      expect(matching({ y: { $gte: '2000' } }, docs)).toEqual([3]);
      expect(matching({ y: { $lt: '9' } }, docs)).toEqual([3]);
      expect(test({ y: { $gt: 9 } }, { y: '10' })).toBe(false);
      expect(test({ y: { $gt: '9' } }, { y: 10 })).toBe(false);
    });
    it('null, missing, booleans and arrays never compare', () => {
      for (const op of ['$gt', '$gte', '$lt', '$lte']) {
        expect(test({ y: { [op]: 0 } }, { y: null })).toBe(false);
        expect(test({ y: { [op]: 0 } }, {})).toBe(false);
        expect(test({ y: { [op]: 0 } }, null)).toBe(false);
        expect(test({ y: { [op]: 0 } }, { y: false })).toBe(false);
        expect(test({ y: { [op]: '' } }, { y: [] })).toBe(false);
      }
    });
    it('extreme and negative numbers compare correctly', () => {
      expect(test({ v: { $gt: -1e308 } }, { v: 1e308 })).toBe(true);
      expect(test({ v: { $lt: -1e308 } }, { v: 1e308 })).toBe(false);
      expect(test({ v: { $lt: 0 } }, { v: -Number.MIN_VALUE })).toBe(true);
      expect(test({ v: { $gte: 0.30000000000000004 } }, { v: 0.1 + 0.2 })).toBe(true);
      expect(test({ v: { $gt: 0.3 } }, { v: 0.1 + 0.2 })).toBe(true);
    });
  });

  describe('strings compare by Unicode code point', () => {
    it('uppercase before lowercase, ASCII before accented', () => {
      expect(test({ s: { $lt: 'a' } }, { s: 'Z' })).toBe(true);
      expect(test({ s: { $gt: 'z' } }, { s: 'é' })).toBe(true);
      expect(test({ s: { $gt: 'ab' } }, { s: 'abc' })).toBe(true);
      expect(test({ s: { $lt: 'ab' } }, { s: 'a' })).toBe(true);
      expect(test({ s: { $gte: '' } }, { s: '' })).toBe(true);
    });
    it('an astral character sorts after U+FFFF-range characters (unlike JS <)', () => {
      const astral = '\u{1F600}'; // 😀, UTF-16 D83D DE00
      for (const bmp of ['\uFFFF', '\uFFFD', '\uE000', '\uFB01']) {
        expect(astral < bmp).toBe(true); // JS compares UTF-16 units: the case the predicate must not follow
        expect(test({ s: { $gt: bmp } }, { s: astral })).toBe(true);
        expect(test({ s: { $lt: bmp } }, { s: astral })).toBe(false);
        expect(test({ s: { $lt: astral } }, { s: bmp })).toBe(true);
      }
      expect(test({ s: { $gt: 'x\uFFFF' } }, { s: `x${astral}` })).toBe(true);
      expect(test({ s: { $lt: '\u{1F601}' } }, { s: astral })).toBe(true);
      expect(test({ s: { $lte: astral } }, { s: astral })).toBe(true);
    });
  });

  describe('$and, $or, $not', () => {
    const docs: Metadata[] = [{ lang: 'en', year: 2021 }, { lang: 'de', year: 2021 }, { lang: 'en', year: 2010 }, { year: 2022 }];
    it('combine as documented', () => {
      expect(matching({ $or: [{ lang: 'de' }, { year: { $lt: 2015 } }] }, docs)).toEqual([1, 2]);
      expect(matching({ $and: [{ lang: 'en' }, { year: { $gt: 2015 } }] }, docs)).toEqual([0]);
      expect(matching({ $not: { lang: 'en' } }, docs)).toEqual([1, 3]);
      expect(matching({ $not: { lang: { $exists: true } } }, docs)).toEqual([3]);
      expect(matching({ lang: 'en', $not: { $or: [{ year: 2010 }, { year: 2011 }] } }, docs)).toEqual([0]);
      expect(matching({ $or: [{ $and: [{ lang: 'en' }, { year: 2010 }] }, { $not: { year: { $lte: 2021 } } }] }, docs)).toEqual([
        2, 3,
      ]);
    });
  });
});

describe('compareCodePoints', () => {
  const sign = (n: number) => Math.sign(n);

  it('is 0 for equal strings and antisymmetric otherwise', () => {
    expect(compareCodePoints('', '')).toBe(0);
    expect(compareCodePoints('a\u{1F600}b', 'a\u{1F600}b')).toBe(0);
    expect(sign(compareCodePoints('a', 'b'))).toBe(-1);
    expect(sign(compareCodePoints('b', 'a'))).toBe(1);
    expect(sign(compareCodePoints('a', 'ab'))).toBe(-1);
    expect(sign(compareCodePoints('ab', 'a'))).toBe(1);
    expect(sign(compareCodePoints('\u{1F600}', '\uFFFF'))).toBe(1);
    expect(sign(compareCodePoints('\uFFFF', '\u{1F600}'))).toBe(-1);
    expect(sign(compareCodePoints('\u{1F600}', '\u{1F600}a'))).toBe(-1);
    expect(sign(compareCodePoints('\u{1F600}', '\u{10000}'))).toBe(1);
  });

  it('orders strings exactly like their UTF-8 bytes', () => {
    const alphabet = [
      'a',
      'B',
      'z',
      'é',
      '\u00ff',
      '\u0800',
      '\uE000',
      '\uFFFD',
      '\uFFFF',
      '\u{10000}',
      '\u{1F600}',
      '\u{10FFFF}',
      '',
    ];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const words = Array.from({ length: 300 }, () =>
      Array.from({ length: Math.floor(rnd() * 4) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''),
    );
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const byPoints = [...words].sort(compareCodePoints);
    expect(byPoints).toEqual(byBytes);
    // and the JS default order differs on this data, so the check above is not vacuous
    expect([...words].sort()).not.toEqual(byBytes);
  });
});
