/**
 * `vecdex_items` rowid → slot of a `VectorCopy`. A collection's rowids are mostly one dense run
 * (SQLite gives a new row the largest rowid + 1), so they are kept in an `Int32Array` over the
 * range they span: a lookup is an array read, and the matching rowids a filtered search reads
 * in index order are looked up in memory order. When the range grows sparse (more than four
 * times the entries, e.g. collections filled in turns in one store) it turns into a `Map`.
 *
 * Memory: 4 bytes per rowid of the range (at most 16 per entry), or about 30 per entry as a `Map`.
 */
export class RowidSlots {
  /** The first rowid `table` covers. */
  #base = 0;
  /** rowid - base → slot + 1; 0 where no entry. */
  #table = new Int32Array(0);
  #map: Map<number, number> | null = null;
  #size = 0;

  get size(): number {
    return this.#map === null ? this.#size : this.#map.size;
  }

  /** The slot of a rowid, or -1. */
  get(rowid: number): number {
    if (this.#map !== null) return this.#map.get(rowid) ?? -1;
    const i = rowid - this.#base;
    return i >= 0 && i < this.#table.length ? (this.#table[i] as number) - 1 : -1;
  }

  set(rowid: number, slot: number): void {
    if (this.#map !== null) {
      this.#map.set(rowid, slot);
      return;
    }
    let i = rowid - this.#base;
    if (i < 0 || i >= this.#table.length) {
      if (!this.#cover(rowid)) {
        this.#map = this.#toMap();
        this.#map.set(rowid, slot);
        return;
      }
      i = rowid - this.#base;
    }
    if (this.#table[i] === 0) this.#size++;
    this.#table[i] = slot + 1;
  }

  delete(rowid: number): void {
    if (this.#map !== null) {
      this.#map.delete(rowid);
      return;
    }
    const i = rowid - this.#base;
    if (i >= 0 && i < this.#table.length && this.#table[i] !== 0) {
      this.#table[i] = 0;
      this.#size--;
    }
  }

  /** Grow the table to cover `rowid` (with room above); false when it would be too sparse. */
  #cover(rowid: number): boolean {
    const old = this.#table;
    const empty = this.#size === 0;
    const lo = empty ? rowid : Math.min(this.#base, rowid);
    const hi = empty ? rowid + 1 : Math.max(this.#base + old.length, rowid + 1);
    const span = hi - lo;
    if (span > Math.max(4 * (this.#size + 1), 65_536)) return false;
    const table = new Int32Array(Math.min(span + (span >> 1) + 16, Math.max(4 * (this.#size + 1), 65_536)));
    if (!empty) table.set(old, this.#base - lo);
    this.#base = lo;
    this.#table = table;
    return true;
  }

  #toMap(): Map<number, number> {
    const map = new Map<number, number>();
    const t = this.#table;
    for (let i = 0; i < t.length; i++) if (t[i] !== 0) map.set(this.#base + i, (t[i] as number) - 1);
    return map;
  }
}
