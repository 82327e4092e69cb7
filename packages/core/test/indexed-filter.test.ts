import { describe, expect, it } from 'vitest';
import { isIndexedFilter, parseFilter, validateFilterable, type Filter } from '../src/index.js';
import { expectVecdexErrorSync } from './helpers.js';

const indexed = (f: Filter, fields?: string[]) => {
  const node = parseFilter(f);
  if (node === null) throw new Error('empty filter');
  return isIndexedFilter(node, fields);
};

describe('isIndexedFilter', () => {
  it('is true when the declared fields drive the search', () => {
    expect(indexed({ tenant: 'a' }, ['tenant'])).toBe(true);
    expect(indexed({ 'a.b': { $gte: 2 } }, ['a.b'])).toBe(true);
    expect(indexed({ tenant: 'a', lang: 'en' }, ['tenant'])).toBe(true);
    expect(indexed({ tenant: { $in: ['a', 'b'] } }, ['tenant'])).toBe(true);
    expect(indexed({ tenant: { $exists: true } }, ['tenant'])).toBe(true);
    expect(indexed({ $or: [{ tenant: 'a' }, { year: 3 }] }, ['tenant', 'year'])).toBe(true);
  });

  it('is false when some matching item could only be found by reading every item', () => {
    expect(indexed({ tenant: 'a' })).toBe(false);
    expect(indexed({ tenant: 'a' }, [])).toBe(false);
    expect(indexed({ lang: 'en' }, ['tenant'])).toBe(false);
    expect(indexed({ a: 1 }, ['a.b'])).toBe(false);
    expect(indexed({ $or: [{ tenant: 'a' }, { lang: 'en' }] }, ['tenant'])).toBe(false);
    expect(indexed({ $not: { tenant: 'a' } }, ['tenant'])).toBe(false);
    expect(indexed({ tenant: { $ne: 'a' } }, ['tenant'])).toBe(false);
    expect(indexed({ tenant: { $nin: ['a'] } }, ['tenant'])).toBe(false);
  });
});

describe('validateFilterable', () => {
  it('keeps dotted paths of safe keys once, in order', () => {
    expect(validateFilterable(['tenant', 'author.name', 'tenant', 'a-b_9'])).toEqual(['tenant', 'author.name', 'a-b_9']);
    expect(validateFilterable([])).toEqual([]);
  });

  it('refuses what could not be spelled in index DDL, and too many fields', () => {
    for (const bad of [
      ['a b'],
      ["a'b"],
      ['a"b'],
      [''],
      ['a..b'],
      ['.a'],
      [1],
      'tenant',
      [`${'k.'.repeat(8)}k`],
      ['x'.repeat(65)],
    ]) {
      expectVecdexErrorSync(() => validateFilterable(bad), 'INVALID_ARGUMENT');
    }
    expectVecdexErrorSync(() => validateFilterable(Array.from({ length: 33 }, (_, i) => `f${i}`)), 'INVALID_ARGUMENT');
  });
});
