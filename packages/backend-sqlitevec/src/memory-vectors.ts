import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import { vecTable } from './schema.js';
import { simdKernel } from './simd-kernel.js';
import { readVectorChunks } from './vec0-chunks.js';
import { VectorCopy, floats } from './vector-copy.js';

/** Changes applied one by one before a copy is rebuilt from scratch instead. */
const MIN_CATCH_UP = 1000;

/**
 * The in-memory copies of collections' vectors that exact search scans (see `VectorCopy`).
 *
 * A copy is built on a collection's first exact search and kept current through the change
 * feed: before each search, inside the search's read transaction, the collection's newest
 * change seq is compared with the copy's, and the changes in between (this connection's writes
 * and every other connection's or process's alike) are applied. So a search always sees the
 * snapshot it runs in. A copy is rebuilt when more changed than a quarter of it, or when
 * tombstones it had not seen yet were pruned.
 *
 * All copies together stay within `maxBytes` (`SqliteVecOptions.exactSearchMemoryBytes`); a
 * collection whose copy would not fit is searched in vec0 as before. `maxBytes` 0 turns copies off.
 */
export class MemoryVectors {
  readonly #copies = new Map<number, VectorCopy>();
  /** Collections refused for the budget, with their newest change seq then (retried once it moves). */
  readonly #refused = new Map<number, number>();

  constructor(
    private readonly conn: Connection,
    readonly maxBytes: number,
  ) {}

  /** Bytes held by all copies. */
  get bytes(): number {
    let sum = 0;
    for (const c of this.#copies.values()) sum += c.bytes;
    return sum;
  }

  /**
   * The copy of a collection as of the current read transaction's snapshot, or null when copies
   * are off, usearch is unavailable, or it does not fit the budget. Call inside a read transaction.
   */
  current(c: CollectionRow): VectorCopy | null {
    if (this.maxBytes === 0 || simdKernel() === null) return null;
    const head = this.headSeq(c.cid);
    let copy = this.#copies.get(c.cid);
    if (copy !== undefined && !this.catchUp(c, copy, head)) {
      this.#copies.delete(c.cid);
      copy = undefined;
    }
    if (copy === undefined) {
      if (this.#refused.get(c.cid) === head) return null;
      // Over budget: copies of collections deleted meanwhile (by another connection) go first.
      let built = this.build(c, head);
      if (built === null && this.#copies.size > 0) {
        this.prune();
        built = this.build(c, head);
      }
      if (built === null) {
        this.#refused.set(c.cid, head);
        return null;
      }
      this.#refused.delete(c.cid);
      this.#copies.set(c.cid, built);
      copy = built;
    }
    return copy;
  }

  /**
   * The copy of a collection as of the current read transaction's snapshot when one was built
   * already (by an exact search), else null: reading a few vectors never builds a whole copy.
   */
  present(c: CollectionRow): VectorCopy | null {
    return this.#copies.has(c.cid) ? this.current(c) : null;
  }

  /** Drop the copies of collections that no longer exist. */
  prune(): void {
    const live = new Set(this.conn.prepare('SELECT cid FROM vecdex_collections').pluck().all() as number[]);
    for (const cid of [...this.#copies.keys()]) if (!live.has(cid)) this.#copies.delete(cid);
    for (const cid of [...this.#refused.keys()]) if (!live.has(cid)) this.#refused.delete(cid);
  }

  clear(): void {
    this.#copies.clear();
    this.#refused.clear();
  }

  /** The collection's newest change seq (0 with none); every write of an item moves it. */
  private headSeq(cid: number): number {
    const seq = this.conn.prepare('SELECT max(seq) FROM vecdex_changes WHERE cid = ?').pluck().get(cid);
    return typeof seq === 'number' ? seq : 0;
  }

  /** Read every vector of a collection into a new copy; null when it would not fit. */
  private build(c: CollectionRow, head: number): VectorCopy | null {
    const count = this.conn.prepare('SELECT count(*) FROM vecdex_items WHERE cid = ?').pluck().get(c.cid) as number;
    if (!this.fits(VectorCopy.bytesFor(count, c.dimensions), c.cid)) return null;
    let copy = new VectorCopy(c.cid, c.dimensions, count);
    // The ids by rowid, then vec0 in its own order (its chunks): two sequential reads, and no
    // vector held twice.
    const idOf = new Map<number, string>();
    const scaled = new Set<number>();
    const items = this.conn.prepare('SELECT rowid, id, vector_exp IS NOT NULL FROM vecdex_items WHERE cid = ?').raw();
    for (const [rowid, id, isScaled] of items.iterate(c.cid) as Iterable<[number, string, number]>) {
      idOf.set(rowid, id);
      if (isScaled === 1) scaled.add(rowid);
    }
    const put = (rowid: number, vectors: Float32Array, offset: number) => {
      const id = idOf.get(rowid);
      if (id !== undefined) copy.putFloats(id, rowid, vectors, offset, scaled.has(rowid));
    };
    // vec0's chunks when their layout is the one we know, else vec0's own (slower) scan; either
    // way every item must have come with its vector.
    if (!readVectorChunks(this.conn, c.cid, c.dimensions, put) || copy.count !== count) {
      copy = new VectorCopy(c.cid, c.dimensions, count);
      const vectors = this.conn.prepare(`SELECT rowid, embedding FROM ${vecTable(c.cid)}`).raw();
      for (const [rowid, blob] of vectors.iterate() as Iterable<[number, Uint8Array]>) put(rowid, floats(blob), 0);
    }
    copy.seq = head;
    return copy;
  }

  /** Apply the changes after `copy.seq`; false when the copy must be rebuilt instead. */
  private catchUp(c: CollectionRow, copy: VectorCopy, head: number): boolean {
    if (head === copy.seq) return true;
    // A pruned tombstone the copy has not applied: its item may still be in the copy.
    const pruned = this.conn.prepare(`SELECT value FROM vecdex_meta WHERE key = 'tombstones_pruned_through'`).pluck().get();
    if (pruned !== undefined && Number(pruned) > copy.seq) return false;
    if (head < copy.seq) return false;
    const limit = Math.max(MIN_CATCH_UP, copy.count >> 2);
    const changes = this.conn
      .prepare('SELECT item_id, op FROM vecdex_changes WHERE cid = ? AND seq > ? ORDER BY seq LIMIT ?')
      .raw()
      .all(c.cid, copy.seq, limit + 1) as [string, 'upsert' | 'delete'][];
    if (changes.length > limit) return false;
    const upserted: string[] = [];
    for (const [id, op] of changes) {
      if (op === 'delete') copy.remove(id);
      else upserted.push(id);
    }
    const read = this.conn
      .prepare(
        `SELECT i.id, i.rowid, v.embedding, i.vector_exp IS NOT NULL FROM json_each(?) j JOIN vecdex_items i ON i.cid = ? AND i.id = j.value CROSS JOIN ${vecTable(c.cid)} v WHERE v.rowid = i.rowid`,
      )
      .raw();
    for (let i = 0; i < upserted.length; i += 500) {
      const rows = read.all(JSON.stringify(upserted.slice(i, i + 500)), c.cid) as [string, number, Uint8Array, number][];
      for (const [id, rowid, blob, isScaled] of rows) copy.put(id, rowid, blob, isScaled === 1);
    }
    copy.seq = head;
    return this.fits(copy.bytes, c.cid);
  }

  /** Whether `bytes` more fit beside the copies of other collections. */
  private fits(bytes: number, cid: number): boolean {
    let others = 0;
    for (const [id, copy] of this.#copies) if (id !== cid) others += copy.bytes;
    return others + bytes <= this.maxBytes;
  }
}
