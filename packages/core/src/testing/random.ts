import type { Metadata, NormalizedItem } from '../model/item.js';

/**
 * A small seeded PRNG (mulberry32), so every run of the suite sees the same data and a failure
 * can be replayed. Not for anything but tests.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)] as T;
  }

  /** A vector of `dimensions` values in [-1, 1), never all zeros. */
  vector(dimensions: number): Float32Array {
    const v = new Float32Array(dimensions);
    for (let i = 0; i < dimensions; i++) v[i] = this.between(-1, 1);
    if (v.every((x) => x === 0)) v[0] = 0.5;
    return v;
  }

  /** `count` distinct elements of `values`, in random order. */
  sample<T>(values: readonly T[], count: number): T[] {
    const copy = [...values];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, count);
  }
}

const TAGS = ['alpha', 'Beta', 'gamma', 'delta', 'ä-umlaut', 'zeta', '😀 emoji', ''];

/**
 * Items with varied metadata for filter tests: numbers, strings (with non-ASCII), booleans,
 * nulls, nested objects, arrays, keys that are sometimes missing, and a few items without any
 * metadata. Item `n` has id `${prefix}${n}` and `metadata.i === n` (when it has metadata).
 */
export function makeItems(rng: Random, count: number, dimensions: number, prefix = 'item-'): NormalizedItem[] {
  const items: NormalizedItem[] = [];
  for (let n = 0; n < count; n++) {
    items.push({
      id: `${prefix}${n}`,
      vector: rng.vector(dimensions),
      content: n % 9 === 4 ? null : `content of ${n}`,
      metadata: makeMetadata(rng, n),
    });
  }
  return items;
}

function makeMetadata(rng: Random, n: number): Metadata | null {
  if (n % 50 === 49) return null;
  const md: Metadata = {
    i: n,
    group: ['a', 'b', 'c', 'd'][n % 4] as string,
    score: Math.round(rng.between(0, 100) * 100) / 100,
    tag: rng.pick(TAGS),
    flag: n % 3 === 0,
    nested: { level: n % 5, name: `n${n % 11}` },
    mixed: n % 2 === 0 ? 1 : '1',
    arr: [n % 3, 'x'],
  };
  if (n % 7 !== 0) md.maybe = n % 7 === 1 ? null : n % 7;
  if (n === 17 || n === 230 || n === 411) md.rare = 'yes';
  return md;
}
