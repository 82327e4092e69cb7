import type { IndexKey } from '@vecdex/core';

/** The label map as saved: collection names once, then per label `[collection index, id]` or `null` (a tombstone). */
export interface LabelMapJson {
  collections: string[];
  labels: ([number, string] | null)[];
}

/**
 * FAISS labels ↔ `(collection, id)` keys. Label `n` is the `n`-th vector in the FAISS index (the
 * id faiss-node's `add` gave it). A removed entry is either a tombstone (`null`, the vector stays
 * in FAISS and is skipped in results) or, on a `Flat` index, really removed: `compact` mirrors
 * FAISS renumbering the entries after it.
 */
export class LabelMap {
  readonly #byCollection = new Map<string, Map<string, number>>();
  #keys: (IndexKey | null)[] = [];
  #tombstones = 0;

  get live(): number {
    return this.#keys.length - this.#tombstones;
  }

  get tombstones(): number {
    return this.#tombstones;
  }

  /** Every label (live + tombstones); equals the FAISS index's ntotal. */
  get slots(): number {
    return this.#keys.length;
  }

  get(collection: string, id: string): number | undefined {
    return this.#byCollection.get(collection)?.get(id);
  }

  keyOf(label: number): IndexKey | null {
    return this.#keys[label] ?? null;
  }

  /** Bind a key to the next label (call after the native add of its vector). */
  append(collection: string, id: string): number {
    const label = this.#keys.length;
    this.#bind(label, collection, id);
    return label;
  }

  /** Unbind a key, leaving its label as a tombstone. Returns the label, or undefined when absent. */
  tombstone(collection: string, id: string): number | undefined {
    const label = this.#unbind(collection, id);
    if (label === undefined) return undefined;
    this.#keys[label] = null;
    this.#tombstones++;
    return label;
  }

  /** Drop every tombstone and renumber the rest in order, as FAISS's flat `removeIds` does. */
  compact(): void {
    if (this.#tombstones === 0) return;
    const keys = this.#keys;
    let first = keys.indexOf(null);
    this.#keys = keys.filter((k) => k !== null);
    this.#tombstones = 0;
    for (; first < this.#keys.length; first++) {
      const key = this.#keys[first] as IndexKey;
      this.#byCollection.get(key.collection)?.set(key.id, first);
    }
  }

  /** Labels of the tombstones, ascending. */
  tombstoneLabels(): number[] {
    const out: number[] = [];
    this.#keys.forEach((k, i) => {
      if (k === null) out.push(i);
    });
    return out;
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

  #unbind(collection: string, id: string): number | undefined {
    const ids = this.#byCollection.get(collection);
    const label = ids?.get(id);
    if (ids === undefined || label === undefined) return undefined;
    ids.delete(id);
    if (ids.size === 0) this.#byCollection.delete(collection);
    return label;
  }

  toJSON(): LabelMapJson {
    const collections = [...this.#byCollection.keys()];
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
        map.#tombstones++;
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
