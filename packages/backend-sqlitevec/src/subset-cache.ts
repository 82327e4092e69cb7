import type { VectorCopy } from './vector-copy.js';

/** Filters remembered (least recently used go first). */
const MAX_ENTRIES = 16;
/** Bytes of gathered vectors all entries may hold together. */
export const SUBSET_CACHE_BYTES = 64 * 1024 * 1024;

/** The slots of a copy matching one filter, and those rows' vectors when they were gathered. */
export interface Subset {
  slots: Int32Array;
  /** The rows of `slots`, contiguous from byte 0 of their own buffer (what usearch reads), or null. */
  vectors: Float32Array | null;
}

interface Entry extends Subset {
  /**
   * The copy the slots index, held weakly: a copy \`MemoryVectors\` drops (rebuilt, pruned over
   * its budget, closed) must be freed, not kept alive here beside its successor.
   */
  copy: WeakRef<VectorCopy>;
  seq: number;
}

/**
 * The subsets of collections' in-memory copies that filtered exact searches scanned, kept for
 * the next search with the same filter while the copy is unchanged: a repeated filter (a
 * tenant, a language) then costs the scan of its rows alone, not reading the matching rowids
 * from SQLite, finding their slots and gathering their scattered rows again (at 1M × 128, a 1 %
 * filter spent ~2 ms reading rowids and 2–5 ms gathering, against ~0.5 ms scanning).
 *
 * An entry is keyed by the collection and the compiled filter (SQL and parameters) and is valid
 * for the copy object and its `seq`: any change the copy applies, or its rebuild, makes the
 * collection's entries stale, so a cached subset is never out of date. Entries do not keep a
 * copy alive (they hold it weakly), so the copies stay within `exactSearchMemoryBytes`. Memory: 4 bytes per
 * matching slot, plus the gathered vectors while all entries' together stay within
 * `SUBSET_CACHE_BYTES` (64 MiB); at most 16 filters.
 */
export class SubsetCache {
  readonly #entries = new Map<string, Entry>();
  #vectorBytes = 0;

  get(copy: VectorCopy, key: string): Subset | null {
    const k = `${copy.cid}\u0000${key}`;
    const hit = this.#entries.get(k);
    if (hit === undefined) return null;
    if (hit.copy.deref() !== copy || hit.seq !== copy.seq) {
      this.#drop(k, hit);
      return null;
    }
    this.#entries.delete(k); // most recently used last
    this.#entries.set(k, hit);
    return hit;
  }

  /** Whether `bytes` more of gathered vectors may be kept. */
  fits(bytes: number): boolean {
    return this.#vectorBytes + bytes <= SUBSET_CACHE_BYTES;
  }

  set(copy: VectorCopy, key: string, subset: Subset): void {
    const k = `${copy.cid}\u0000${key}`;
    const old = this.#entries.get(k);
    if (old !== undefined) this.#drop(k, old);
    const vectors = subset.vectors !== null && this.fits(subset.vectors.byteLength) ? subset.vectors : null;
    this.#vectorBytes += vectors?.byteLength ?? 0;
    this.#entries.set(k, { slots: subset.slots, vectors, copy: new WeakRef(copy), seq: copy.seq });
    while (this.#entries.size > MAX_ENTRIES) {
      const [oldest, e] = this.#entries.entries().next().value as [string, Entry];
      this.#drop(oldest, e);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#vectorBytes = 0;
  }

  #drop(k: string, e: Entry): void {
    this.#entries.delete(k);
    this.#vectorBytes -= e.vectors?.byteLength ?? 0;
  }
}
