import { RowidSlots } from './rowid-slots.js';

/**
 * One collection's vectors in one contiguous `Float32Array`, in the bytes vec0 stores (so a
 * distance computed over the copy is the distance vec0 computes), with each slot's rowid and
 * item id. Slots are dense: a removal moves the last slot into the hole, so a scan never sees a
 * dead row. `seq` is the change-feed position the copy is current to (see `MemoryVectors`).
 *
 * Memory: `4 × dimensions` bytes per slot of capacity (capacity grows by 1.5×, so up to a
 * third more than the count) plus about 110 bytes per item for its rowid, id and the id and
 * rowid lookups (`BYTES_PER_ITEM`; the rowid lookup, `RowidSlots`, at most 16 bytes an entry
 * as a table, about 30 as a `Map`, measured in Node 20).
 */
export class VectorCopy {
  /** Slot → vector, `dimensions` floats each; only the first `count` slots are live. */
  data: Float32Array;
  /** Slot → `vecdex_items` rowid. */
  rowids: Float64Array;
  /** Slot → item id. */
  readonly ids: string[] = [];
  /** Item id → slot. */
  readonly slotOf = new Map<string, number>();
  /**
   * `vecdex_items` rowid → slot: a filtered search reads the matching rowids straight from a
   * filterable field's index (a covering scan, no table rows) and finds their slots here.
   */
  readonly slotOfRowid = new RowidSlots();
  /**
   * Ids whose vec0 bytes are scaled (a cosine vector outside float32's safe band, see
   * `vector-scaling.ts`): their slot holds the scaled bytes, not the vector the user stored.
   */
  readonly scaled = new Set<string>();
  count = 0;
  /** An upper bound of the vectors' Euclidean norms (it never shrinks on removal). */
  maxNorm = 0;
  /** The newest change-feed seq of this collection applied to the copy. */
  seq = 0;

  constructor(
    readonly cid: number,
    readonly dimensions: number,
    capacity: number,
  ) {
    const cap = Math.max(16, capacity);
    this.data = new Float32Array(cap * dimensions);
    this.rowids = new Float64Array(cap);
  }

  /** Bytes the copy holds (vectors at capacity, plus the per-item bookkeeping). */
  get bytes(): number {
    return this.data.byteLength + this.rowids.byteLength + this.count * BYTES_PER_ITEM;
  }

  /** Bytes the copy would hold after growing to `count` items. */
  static bytesFor(count: number, dimensions: number): number {
    return Math.max(16, count) * (dimensions * 4 + 8 + BYTES_PER_ITEM);
  }

  /** The live vectors as one array starting at byte 0 of its buffer (what usearch reads). */
  live(): Float32Array {
    return new Float32Array(this.data.buffer, 0, this.count * this.dimensions);
  }

  /** A slot's vector as the float32 bytes vec0 holds for it (a view, not a copy). */
  blob(slot: number): Buffer {
    const bytes = this.dimensions * 4;
    return Buffer.from(this.data.buffer, slot * bytes, bytes);
  }

  /** Insert or replace an item's vector, given as the vec0 blob (`scaled`: see `scaled`). */
  put(id: string, rowid: number, blob: Uint8Array, scaled = false): void {
    this.putFloats(id, rowid, floats(blob), 0, scaled);
  }

  /** Insert or replace an item's vector: `dimensions` floats of `src` from `offset`. */
  putFloats(id: string, rowid: number, src: Float32Array, offset: number, scaled = false): void {
    if (scaled) this.scaled.add(id);
    else this.scaled.delete(id);
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      if (this.count === this.rowids.length) this.grow();
      slot = this.count++;
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
    } else if (this.rowids[slot] !== rowid) {
      // Deleted and inserted again between two catch-ups: a new rowid for the same id.
      this.slotOfRowid.delete(this.rowids[slot] as number);
    }
    this.rowids[slot] = rowid;
    this.slotOfRowid.set(rowid, slot);
    const d = this.dimensions;
    const data = this.data;
    const base = slot * d;
    let s = 0;
    for (let i = 0; i < d; i++) {
      const x = src[offset + i] as number;
      data[base + i] = x;
      s += x * x;
    }
    const norm = Math.sqrt(s);
    if (norm > this.maxNorm) this.maxNorm = norm;
  }

  /** Remove an item; false when it was not in the copy. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.slotOf.delete(id);
    this.slotOfRowid.delete(this.rowids[slot] as number);
    this.scaled.delete(id);
    const last = --this.count;
    if (slot !== last) {
      const d = this.dimensions;
      this.data.copyWithin(slot * d, last * d, (last + 1) * d);
      const movedRowid = this.rowids[last] as number;
      this.rowids[slot] = movedRowid;
      this.slotOfRowid.set(movedRowid, slot);
      const moved = this.ids[last] as string;
      this.ids[slot] = moved;
      this.slotOf.set(moved, slot);
    }
    this.ids.length = last;
    return true;
  }

  private grow(): void {
    const cap = Math.ceil(this.rowids.length * 1.5);
    const data = new Float32Array(cap * this.dimensions);
    data.set(this.data);
    this.data = data;
    const rowids = new Float64Array(cap);
    rowids.set(this.rowids);
    this.rowids = rowids;
  }
}

/** A float32 view of a blob, copied when its byteOffset is not a multiple of 4. */
export function floats(blob: Uint8Array): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength >>> 2);
  return new Float32Array(Uint8Array.from(blob).buffer);
}

/**
 * Bookkeeping per item beside its vector: the id string, its slot in the id map, the ids array
 * (about 80 bytes), its entry in the rowid lookup (at most 30).
 */
export const BYTES_PER_ITEM = 110;
