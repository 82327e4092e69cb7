/**
 * A least-recently-used map with a size bound and a time to live. A Map keeps insertion order,
 * so re-inserting an entry on every hit makes the first key the least recently used one.
 *
 * ```ts
 * const lru = new LruCache<number>({ maxEntries: 2, ttlMs: 60_000 })
 * lru.set('a', 1); lru.set('b', 2); lru.get('a'); lru.set('c', 3)   // 'b' goes
 * ```
 */
export class LruCache<V> {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: V; expires: number }>();

  constructor(options: { maxEntries: number; ttlMs: number; now?: () => number }) {
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, or undefined when absent or expired (an expired entry is removed). */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    this.#entries.delete(key);
    if (e.expires <= this.#now()) return undefined;
    this.#entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries < 1) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + this.ttlMs });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** Remove every entry; returns how many there were. */
  clear(): number {
    const n = this.#entries.size;
    this.#entries.clear();
    return n;
  }
}
