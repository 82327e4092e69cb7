import type { IndexKey } from '../contracts/index-plugin.js';

/** The label map as saved: collection names once, then per label `[collection index, id]` or `null` (a free label). */
export interface LabelMapJson {
  collections: string[];
  labels: ([number, string] | null)[];
}

/**
 * Numeric labels of a native index ↔ `(collection, id)` keys. Native ANN libraries key their
 * entries by integers; vecdex keys them by collection and id (ids repeat across collections).
 *
 * Label `n` is the `n`-th slot the native index ever allocated. A removed key leaves its label
 * **free** (a tombstone in the native index). Two ways to use the free labels:
 *
 * - libraries that can revive a slot in place (hnswlib, usearch): `assignNext` hands the most
 *   recently freed label to the next new key, so the slot count grows only with the peak number
 *   of live entries;
 * - libraries whose ids are positions (FAISS): `append` always takes a new label, and `compact`
 *   drops the free labels and renumbers the rest in order, as a flat index's removal does.
 *
 * ```ts
 * const labels = new LabelMap()
 * const { label } = labels.nextLabel()      // 0
 * native.add(label, vector)
 * labels.assignNext('docs', 'a')            // 0 ↔ docs/a
 * labels.keyOf(0)                           // { collection: 'docs', id: 'a' }
 * native.remove(labels.release('docs', 'a'))
 * ```
 */
export class LabelMap {
  readonly #byCollection = new Map<string, Map<string, number>>();
  /** label → key; `null` for a free label. */
  #keys: (IndexKey | null)[] = [];
  #free: number[] = [];

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

  /** The label of a live key, or undefined. */
  get(collection: string, id: string): number | undefined {
    return this.#byCollection.get(collection)?.get(id);
  }

  /** The key a label stands for, or null when the label is free or unknown. */
  keyOf(label: number): IndexKey | null {
    return this.#keys[label] ?? null;
  }

  /** The label the next `assignNext` gives: the most recently freed one, else a new slot. */
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

  /** Bind a new key to a new slot, never a free label (call after the native add of its vector). */
  append(collection: string, id: string): number {
    const label = this.#keys.length;
    this.#bind(label, collection, id);
    return label;
  }

  /** Unbind a key and free its label (call after the native removal). Returns the label, or undefined when absent. */
  release(collection: string, id: string): number | undefined {
    const ids = this.#byCollection.get(collection);
    const label = ids?.get(id);
    if (ids === undefined || label === undefined) return undefined;
    ids.delete(id);
    if (ids.size === 0) this.#byCollection.delete(collection);
    this.#keys[label] = null;
    this.#free.push(label);
    return label;
  }

  /** Drop every free label and renumber the live ones in order (mirrors FAISS's flat `removeIds`). */
  compact(): void {
    if (this.#free.length === 0) return;
    const keys = this.#keys;
    let first = keys.indexOf(null);
    this.#keys = keys.filter((k) => k !== null);
    this.#free = [];
    for (; first < this.#keys.length; first++) {
      const key = this.#keys[first] as IndexKey;
      this.#byCollection.get(key.collection)?.set(key.id, first);
    }
  }

  /** The free labels, ascending. */
  freeLabels(): number[] {
    return [...this.#free].sort((a, b) => a - b);
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
