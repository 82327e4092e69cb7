import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/query/lru-cache.js';
import { validateConfig } from '../src/index.js';
import { expectVecdexErrorSync } from './helpers.js';

describe('LruCache', () => {
  it('keeps at most maxEntries, dropping the least recently used first', () => {
    const lru = new LruCache<number>({ maxEntries: 2, ttlMs: 1000 });
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
    expect(lru.clear()).toBe(2);
    expect(lru.size).toBe(0);
  });

  it('forgets entries after ttlMs, and keeps nothing with maxEntries 0', () => {
    let now = 0;
    const lru = new LruCache<string>({ maxEntries: 10, ttlMs: 100, now: () => now });
    lru.set('k', 'v');
    now = 99;
    expect(lru.get('k')).toBe('v');
    now = 100;
    expect(lru.get('k')).toBeUndefined();
    expect(lru.size).toBe(0);
    const off = new LruCache<string>({ maxEntries: 0, ttlMs: 100 });
    off.set('k', 'v');
    expect(off.get('k')).toBeUndefined();
  });
});

describe('embedding config for text queries', () => {
  it('accepts queryTimeoutMs, maxInputTokens and queryCache (an object or false)', () => {
    for (const embedding of [
      { queryTimeoutMs: 5000, maxInputTokens: 8191 },
      { queryCache: false },
      { queryCache: { maxEntries: 0, ttlMs: 60_000, store: false } },
    ]) {
      expect(() => validateConfig({ embedding }, 'inline')).not.toThrow();
    }
  });

  it('refuses bad values, naming the key', () => {
    const cases: [object, RegExp][] = [
      [{ queryTimeoutMs: 0 }, /embedding\.queryTimeoutMs/],
      [{ queryCache: true }, /embedding\.queryCache" must be false or an object/],
      [{ queryCache: { maxEntries: -1 } }, /embedding\.queryCache\.maxEntries/],
      [{ queryCache: { ttl: 5 } }, /embedding\.queryCache\.ttl.*known keys: maxEntries, ttlMs, store/],
      [{ queryCache: { store: 'yes' } }, /embedding\.queryCache\.store/],
    ];
    for (const [embedding, message] of cases) {
      const err = expectVecdexErrorSync(() => validateConfig({ embedding }, 'inline'), 'CONFIG_INVALID');
      expect(err.message).toMatch(message);
    }
  });
});
