import { metadataJson } from '@vecdex/core';
import type { FilterNode, Metadata, NormalizedItem, StoredItem } from '@vecdex/core';
import type { ChangeFeed } from './change-feed.js';
import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import { compileFilter } from './filter-sql.js';
import type { FullText } from './full-text.js';
import { vecTable } from './schema.js';
import { checkedSumOfSquares } from './vector-codec.js';
import { restoreVector, storedVector } from './vector-scaling.js';

/** A `vecdex_items` row as selected here. */
export interface ItemRow {
  rowid: number;
  id: string;
  content: string | null;
  metadata: string | null;
  content_hash: string | null;
  modified: number;
  /** How the vec0 blob maps back to the stored vector (see `vector-scaling.ts`). */
  vector_exp: number | null;
  vector_exact: Uint8Array | null;
}

const COLUMNS = 'rowid, id, content, metadata, content_hash, modified, vector_exp, vector_exact';

/**
 * The columns of an item without its vector, read as raw arrays in this order; without content,
 * NULL in its place (a chunk's text of a few KiB, read and decoded for nothing otherwise).
 */
const fieldColumns = (prefix: string, content: boolean) =>
  `${prefix}id, ${content ? `${prefix}content` : 'NULL'}, ${prefix}metadata, ${prefix}content_hash, ${prefix}modified`;
type FieldsRow = [id: string, content: string | null, metadata: string | null, contentHash: string | null, modified: number];

/**
 * Items: a row in `vecdex_items` plus a row with the same rowid in the collection's vec0 table.
 * Rowids are bound as BigInt: vec0 rejects a JS number, which binds as REAL.
 */
export class ItemStore {
  constructor(
    private readonly conn: Connection,
    private readonly feed: ChangeFeed,
    /** Keeps each collection's FTS5 table in step, in the same transaction. */
    private readonly fullText: FullText,
  ) {}

  /**
   * Insert or replace items in one write transaction (the caller's). An existing item keeps its
   * rowid, and its vector is replaced with vec0's UPDATE, which rewrites the slot in place.
   * (vec0 ignores INSERT OR REPLACE; DELETE + INSERT works too, but leaves a dead slot in a
   * chunk that is only freed once the whole chunk is empty, so random updates grew the file by
   * ~90% per full rewrite in our measurements.)
   */
  upsert(c: CollectionRow, items: readonly NormalizedItem[], modified: number): void {
    const vec = vecTable(c.cid);
    const find = this.conn.prepare('SELECT rowid FROM vecdex_items WHERE cid = ? AND id = ?').pluck();
    const update = this.conn.prepare(
      'UPDATE vecdex_items SET content = ?, metadata = ?, content_hash = ?, modified = ?, vector_exp = ?, vector_exact = ? WHERE rowid = ?',
    );
    const insert = this.conn.prepare(
      'INSERT INTO vecdex_items (cid, id, content, metadata, content_hash, modified, vector_exp, vector_exact) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const updateVec = this.conn.prepare(`UPDATE ${vec} SET embedding = ? WHERE rowid = ?`);
    const insertVec = this.conn.prepare(`INSERT INTO ${vec} (rowid, embedding) VALUES (?, ?)`);
    const record = this.feed.recorder();
    for (const item of items) {
      // Core checked this already; checking again inside the transaction costs little.
      const sumOfSquares = checkedSumOfSquares(c, item.vector, item.id);
      // The JSON text core validated (serialised here only for items that did not come from core).
      const metadata = metadataJson(item);
      const existing = find.get(c.cid, item.id) as number | undefined;
      // Cosine vectors of extreme magnitude are stored scaled by a power of two (vector-scaling.ts).
      const { blob, exp, exact } = storedVector(item.vector, c.metric, sumOfSquares);
      const hash = item.contentHash ?? null;
      if (existing === undefined) {
        const rowid = BigInt(
          insert.run(c.cid, item.id, item.content ?? null, metadata, hash, modified, exp, exact).lastInsertRowid,
        );
        insertVec.run(rowid, blob);
        this.fullText.put(c, rowid, item.content ?? null, false);
      } else {
        const rowid = BigInt(existing);
        update.run(item.content ?? null, metadata, hash, modified, exp, exact, rowid);
        // A missing vec0 row cannot happen through this package; repair it rather than lose the vector.
        if (updateVec.run(blob, rowid).changes === 0) insertVec.run(rowid, blob);
        this.fullText.put(c, rowid, item.content ?? null, true);
      }
      record(c.cid, item.id, 'upsert', modified);
    }
  }

  /** Delete items in the caller's write transaction, with a tombstone each; returns how many existed. */
  delete(c: CollectionRow, ids: readonly string[], modified: number): number {
    const find = this.conn.prepare('SELECT rowid FROM vecdex_items WHERE cid = ? AND id = ?').pluck();
    const del = this.conn.prepare('DELETE FROM vecdex_items WHERE rowid = ?');
    const delVec = this.conn.prepare(`DELETE FROM ${vecTable(c.cid)} WHERE rowid = ?`);
    const record = this.feed.recorder();
    let n = 0;
    for (const id of new Set(ids)) {
      const rowid = find.get(c.cid, id) as number | undefined;
      if (rowid === undefined) continue;
      del.run(BigInt(rowid));
      delVec.run(BigInt(rowid));
      this.fullText.remove(c, BigInt(rowid));
      record(c.cid, id, 'delete', modified);
      n++;
    }
    return n;
  }

  /**
   * Items in the order of `ids`, skipping missing ones. Call inside a read transaction. Without
   * vectors only the five columns an item carries are read, as arrays: a row object of all
   * eight columns per item was about a third of a 10-id read (bench/README.md, "with include:
   * metadata").
   */
  get(c: CollectionRow, ids: readonly string[], vectors: boolean, content = true): StoredItem[] {
    if (!vectors) {
      const select = this.conn
        .prepare(`SELECT ${fieldColumns('', content)} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`)
        .raw();
      const rows: FieldsRow[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        rows.push(...(select.all(c.cid, JSON.stringify(ids.slice(i, i + IN_CHUNK))) as FieldsRow[]));
      }
      return inOrder(ids, rows);
    }
    const byId = new Map<string, StoredItem>();
    const select = this.conn.prepare(
      `SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`,
    );
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const rows = select.all(c.cid, JSON.stringify(ids.slice(i, i + IN_CHUNK))) as ItemRow[];
      for (const item of this.toItems(c, rows, true)) byId.set(item.id, item);
    }
    const out: StoredItem[] = [];
    for (const id of ids) {
      const item = byId.get(id);
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  /**
   * Up to `IN_CHUNK` items of the collection named `collection` without their vectors, in the
   * order of `ids`, skipping missing ones: one statement that joins the collection row by name,
   * so it needs neither a read transaction nor a lookup of the collection first (a statement of
   * its own, ~4 µs of a 10-hit read). Empty both when no id exists and when the collection does not:
   * the caller tells them apart.
   */
  fieldsIn(collection: string, ids: readonly string[], content: boolean): StoredItem[] {
    if (ids.length > IN_CHUNK) throw new Error(`internal: fieldsIn takes at most ${IN_CHUNK} ids, got ${ids.length}`);
    const rows = this.conn
      .prepare(
        `SELECT ${fieldColumns('i.', content)} FROM vecdex_collections c CROSS JOIN vecdex_items i WHERE c.name = ? AND i.cid = c.cid AND i.id IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .all(collection, JSON.stringify(ids)) as FieldsRow[];
    return inOrder(ids, rows);
  }

  /**
   * Only the vectors of `ids` (as `get` restores them), in their order, null for missing ids:
   * one statement per 500 ids joining the item rows to vec0 (a point lookup per id), no content
   * or metadata read.
   */
  vectors(c: CollectionRow, ids: readonly string[]): (Float32Array | null)[] {
    const select = this.conn
      .prepare(
        // CROSS JOIN fixes the order: ids, then their rows by (cid, id), then a vec0 point lookup
        // by rowid each (left to the planner, it scanned vec0 whole: 20× slower than `get`).
        `SELECT i.id, v.embedding, i.vector_exp, i.vector_exact FROM json_each(?) j CROSS JOIN vecdex_items i CROSS JOIN ${vecTable(c.cid)} v WHERE i.cid = ? AND i.id = j.value AND v.rowid = i.rowid`,
      )
      .raw();
    const byId = new Map<string, Float32Array>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const rows = select.all(JSON.stringify(ids.slice(i, i + IN_CHUNK)), c.cid) as [
        string,
        Uint8Array,
        number | null,
        Uint8Array | null,
      ][];
      for (const [id, blob, exp, exact] of rows) byId.set(id, restoreVector(blob, exp, exact));
    }
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** One item, or null. */
  getOne(c: CollectionRow, id: string, vectors: boolean): StoredItem | null {
    const row = this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND id = ?`).get(c.cid, id) as
      | ItemRow
      | undefined;
    return row === undefined ? null : this.toItem(c, row, vectors);
  }

  /** Ids of the items matching `filter` (call inside the transaction that uses them). */
  idsWhere(c: CollectionRow, filter: FilterNode): string[] {
    const f = compileFilter(filter, 'metadata', c.filterable);
    return this.conn
      .prepare(`SELECT id FROM vecdex_items WHERE cid = ? AND ${f.sql}`)
      .pluck()
      .all(c.cid, ...f.params) as string[];
  }

  count(c: CollectionRow, filter: FilterNode | null | undefined): number {
    const f = compileFilter(filter, 'metadata', c.filterable);
    return this.conn
      .prepare(`SELECT count(*) FROM vecdex_items WHERE cid = ? AND ${f.sql}`)
      .pluck()
      .get(c.cid, ...f.params) as number;
  }

  /**
   * One page of a scan: items after `afterRowid` in rowid order. Keyset pagination, so no
   * statement stays open between pages (a long-lived reader would stop WAL checkpoints).
   */
  page(c: CollectionRow, afterRowid: number, limit: number, filter: FilterNode | null | undefined, vectors: boolean) {
    const f = compileFilter(filter, 'metadata', c.filterable);
    const rows = this.conn
      .prepare(`SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND rowid > ? AND ${f.sql} ORDER BY rowid LIMIT ?`)
      .all(c.cid, afterRowid, ...f.params, limit) as ItemRow[];
    const last = rows[rows.length - 1];
    return { items: this.toItems(c, rows, vectors), lastRowid: last === undefined ? null : last.rowid };
  }

  /**
   * Rows as items; their vectors (when asked for) read with one statement per 500 rows, a
   * point lookup in vec0 per rowid inside SQLite rather than a statement per row from here.
   */
  toItems(c: CollectionRow, rows: readonly ItemRow[], vectors: boolean): StoredItem[] {
    if (!vectors || rows.length === 0) return rows.map((r) => this.toItem(c, r, false));
    const select = this.conn.prepare(
      `SELECT j.value AS rowid, v.embedding AS embedding FROM json_each(?) j CROSS JOIN ${vecTable(c.cid)} v WHERE v.rowid = j.value`,
    );
    const blobs = new Map<number, Uint8Array>();
    for (let i = 0; i < rows.length; i += IN_CHUNK) {
      const chunk = rows.slice(i, i + IN_CHUNK).map((r) => r.rowid);
      for (const r of select.all(JSON.stringify(chunk)) as { rowid: number; embedding: Uint8Array }[])
        blobs.set(r.rowid, r.embedding);
    }
    return rows.map((row) => {
      const item = this.toItem(c, row, false);
      const blob = blobs.get(row.rowid);
      if (row.vector_exact === null && blob === undefined) {
        throw new Error(`internal: no vector for rowid ${row.rowid} in collection "${c.name}"`);
      }
      item.vector = restoreVector(blob ?? new Uint8Array(0), row.vector_exp, row.vector_exact);
      return item;
    });
  }

  /** The stored vector of a rowid, as the user wrote it. */
  vector(c: CollectionRow, rowid: number): Float32Array {
    const row = this.conn.prepare('SELECT vector_exp, vector_exact FROM vecdex_items WHERE rowid = ?').get(BigInt(rowid)) as
      | Pick<ItemRow, 'vector_exp' | 'vector_exact'>
      | undefined;
    return this.vectorOf(c, rowid, row?.vector_exp ?? null, row?.vector_exact ?? null);
  }

  private vectorOf(c: CollectionRow, rowid: number, exp: number | null, exact: Uint8Array | null): Float32Array {
    if (exact !== null) return restoreVector(exact, null, exact);
    const blob = this.conn
      .prepare(`SELECT embedding FROM ${vecTable(c.cid)} WHERE rowid = ?`)
      .pluck()
      .get(BigInt(rowid));
    if (!(blob instanceof Uint8Array)) throw new Error(`internal: no vector for rowid ${rowid} in collection "${c.name}"`);
    return restoreVector(blob, exp, null);
  }

  toItem(c: CollectionRow, row: ItemRow, vectors: boolean): StoredItem {
    const item: StoredItem = {
      id: row.id,
      content: row.content,
      metadata: parseMetadata(row.metadata),
      contentHash: row.content_hash,
      modified: row.modified,
    };
    if (vectors) item.vector = this.vectorOf(c, row.rowid, row.vector_exp, row.vector_exact);
    return item;
  }
}

/** Ids per `json_each` list: keeps each bound JSON text small. */
export const IN_CHUNK = 500;

export function parseMetadata(text: string | null): Metadata | null {
  return text === null ? null : (JSON.parse(text) as Metadata);
}

function fieldsItem([id, content, metadata, contentHash, modified]: FieldsRow): StoredItem {
  return { id, content, metadata: parseMetadata(metadata), contentHash, modified };
}

/** Rows as items in the order of `ids` (an id asked twice comes twice), skipping missing ones. */
function inOrder(ids: readonly string[], rows: readonly FieldsRow[]): StoredItem[] {
  const byId = new Map<string, StoredItem>();
  for (const row of rows) byId.set(row[0], fieldsItem(row));
  const out: StoredItem[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (item !== undefined) out.push(item);
  }
  return out;
}
