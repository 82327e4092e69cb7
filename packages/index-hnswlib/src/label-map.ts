import type { IndexKey } from '@vecdex/core';

/** The label map as saved: collection names once, then per label `[collection index, id]` or `null` when free. */
export interface LabelMapJson {
  collections: string[];
  labels: ([number, string] | null)[];
}

/**
 * Numeric hnswlib labels ↔ `(collection, id)` keys. Ids repeat across collections, so keys are
 * looked up per collection.
 *
 * Label `n` is the `n`-th slot hnswlib ever allocated, and it stays bound to that slot: a
 * deleted key's label goes on a free list (its slot is a tombstone in hnswlib), and the next new
 * key takes it back, so the slot count grows only with the peak number of live entries.
 */
export class LabelMap {
  readonly #byCollection = new Map<string, Map<string, number>>();
  /** label → key; `null` for a free label (a tombstone in the native index). */
  readonly #keys: (IndexKey | null)[] = [];
  readonly #free: number[] = [];

  /** Live keys. */
  get live(): number {
    return this.#keys.length - this.#free.length;
  }

  /** Free labels, i.e. tombstones in the native index. */
  get free(): number {
    return this.#free.length;
  }

  /** Every label ever allocated (live + free); equals the native element count. */
  get slots(): number {
    return this.#keys.length;
  }

  get(collection: string, id: string): number | undefined {
    return this.#byCollection.get(collection)?.get(id);
  }

  /** The key a label stands for, or null when the label is free or unknown. */
  keyOf(label: number): IndexKey | null {
    return this.#keys[label] ?? null;
  }

  /** The label the next new key gets: the most recently freed one, else a new slot. */
  nextLabel(): { label: number; reused: boolean } {
    const last = this.#free[this.#free.length - 1];
    return last === undefined ? { label: this.#keys.length, reused: false } : { label: last, reused: true };
  }

  /** Bind a new key to `nextLabel().label` (call after the native add succeeded). */
  assignNext(collection: string, id: string): number {
    const { label, reused } = this.nextLabel();
    if (reused) this.#free.pop();
    this.#bind(label, collection, id);
    return label;
  }

  #bind(label: number, collection: string, id: string): void {
    this.#keys[label] = Object.freeze({ collection, id });
    let ids = this.#byCollection.get(collection);
    if (ids === undefined) {
      ids = new Map();
      this.#byCollection.set(collection, ids);
    }
    ids.set(id, label);
  }

  /** Unbind a key and put its label on the free list (call after the native markDelete succeeded). */
  release(collection: string, id: string): void {
    const ids = this.#byCollection.get(collection);
    const label = ids?.get(id);
    if (ids === undefined || label === undefined) return;
    ids.delete(id);
    if (ids.size === 0) this.#byCollection.delete(collection);
    this.#keys[label] = null;
    this.#free.push(label);
  }

  toJSON(): LabelMapJson {
    const collections = [...new Set(this.#keys.flatMap((k) => (k === null ? [] : [k.collection])))];
    const index = new Map(collections.map((c, i) => [c, i]));
    return {
      collections,
      labels: this.#keys.map((k) => (k === null ? null : [index.get(k.collection) as number, k.id])),
    };
  }

  /** Rebuild from saved JSON, checking every entry; throws on anything malformed. */
  static fromJSON(value: unknown): LabelMap {
    const json = value as Partial<LabelMapJson> | null;
    if (typeof json !== 'object' || json === null || !Array.isArray(json.collections) || !Array.isArray(json.labels)) {
      throw new Error('label map: not a { collections, labels } object');
    }
    const { collections, labels } = json;
    if (!collections.every((c) => typeof c === 'string')) throw new Error('label map: a collection name is not a string');
    const map = new LabelMap();
    for (let label = 0; label < labels.length; label++) {
      const entry = labels[label];
      if (entry === null) {
        map.#keys.push(null);
        map.#free.push(label);
        continue;
      }
      const collection =
        Array.isArray(entry) && entry.length === 2 && Number.isInteger(entry[0]) ? collections[entry[0]] : undefined;
      if (collection === undefined || typeof entry?.[1] !== 'string') throw new Error(`label map: bad entry at label ${label}`);
      if (map.get(collection, entry[1]) !== undefined) throw new Error(`label map: key ${collection}/${entry[1]} appears twice`);
      map.#bind(label, collection, entry[1]);
    }
    return map;
  }
}
