import { metadataJson } from '@vecdex/core';
import type { FilterNode, Metadata, NormalizedItem, StoredItem } from '@vecdex/core';
import type { ChangeFeed } from './change-feed.js';
import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import { compileFilter } from './filter-sql.js';
import { vecTable } from './schema.js';
import { checkVector, decodeVector, encodeVector } from './vector-codec.js';

/** A `vecdex_items` row as selected here. */
export interface ItemRow {
  rowid: number;
  id: string;
  content: string | null;
  metadata: string | null;
  modified: number;
}

const COLUMNS = 'rowid, id, content, metadata, modified';

/**
 * Items: a row in `vecdex_items` plus a row with the same rowid in the collection's vec0 table.
 * Rowids are bound as BigInt: vec0 rejects a JS number, which binds as REAL.
 */
export class ItemStore {
  constructor(
    private readonly conn: Connection,
    private readonly feed: ChangeFeed,
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
    const update = this.conn.prepare('UPDATE vecdex_items SET content = ?, metadata = ?, modified = ? WHERE rowid = ?');
    const insert = this.conn.prepare('INSERT INTO vecdex_items (cid, id, content, metadata, modified) VALUES (?, ?, ?, ?, ?)');
    const updateVec = this.conn.prepare(`UPDATE ${vec} SET embedding = ? WHERE rowid = ?`);
    const insertVec = this.conn.prepare(`INSERT INTO ${vec} (rowid, embedding) VALUES (?, ?)`);
    const record = this.feed.recorder();
    for (const item of items) {
      // Core checked this already; checking again inside the transaction costs little.
      checkVector(c, item.vector, item.id);
      // The JSON text core validated (serialised here only for items that did not come from core).
      const metadata = metadataJson(item);
      const existing = find.get(c.cid, item.id) as number | undefined;
      const blob = encodeVector(item.vector);
      if (existing === undefined) {
        const rowid = BigInt(insert.run(c.cid, item.id, item.content ?? null, metadata, modified).lastInsertRowid);
        insertVec.run(rowid, blob);
      } else {
        const rowid = BigInt(existing);
        update.run(item.content ?? null, metadata, modified, rowid);
        // A missing vec0 row cannot happen through this package; repair it rather than lose the vector.
        if (updateVec.run(blob, rowid).changes === 0) insertVec.run(rowid, blob);
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
      record(c.cid, id, 'delete', modified);
      n++;
    }
    return n;
  }

  /** Items in the order of `ids`, skipping missing ones. Call inside a read transaction. */
  get(c: CollectionRow, ids: readonly string[], vectors: boolean): StoredItem[] {
    const byId = new Map<string, StoredItem>();
    const select = this.conn.prepare(
      `SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`,
    );
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const rows = select.all(c.cid, JSON.stringify(ids.slice(i, i + IN_CHUNK))) as ItemRow[];
      for (const row of rows) byId.set(row.id, this.toItem(c, row, vectors));
    }
    const out: StoredItem[] = [];
    for (const id of ids) {
      const item = byId.get(id);
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  /** One item, or null. */
  getOne(c: CollectionRow, id: string, vectors: boolean): StoredItem | null {
    const row = this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND id = ?`).get(c.cid, id) as
      | ItemRow
      | undefined;
    return row === undefined ? null : this.toItem(c, row, vectors);
  }

  count(c: CollectionRow, filter: FilterNode | null | undefined): number {
    const f = compileFilter(filter);
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
    const f = compileFilter(filter);
    const rows = this.conn
      .prepare(`SELECT ${COLUMNS} FROM vecdex_items WHERE cid = ? AND rowid > ? AND ${f.sql} ORDER BY rowid LIMIT ?`)
      .all(c.cid, afterRowid, ...f.params, limit) as ItemRow[];
    const last = rows[rows.length - 1];
    return { items: rows.map((r) => this.toItem(c, r, vectors)), lastRowid: last === undefined ? null : last.rowid };
  }

  /** The stored vector of a rowid. */
  vector(c: CollectionRow, rowid: number): Float32Array {
    const blob = this.conn
      .prepare(`SELECT embedding FROM ${vecTable(c.cid)} WHERE rowid = ?`)
      .pluck()
      .get(BigInt(rowid));
    if (!(blob instanceof Uint8Array)) throw new Error(`internal: no vector for rowid ${rowid} in collection "${c.name}"`);
    return decodeVector(blob);
  }

  toItem(c: CollectionRow, row: ItemRow, vectors: boolean): StoredItem {
    const item: StoredItem = {
      id: row.id,
      content: row.content,
      metadata: parseMetadata(row.metadata),
      modified: row.modified,
    };
    if (vectors) item.vector = this.vector(c, row.rowid);
    return item;
  }
}

/** Ids per `json_each` list: keeps each bound JSON text small. */
const IN_CHUNK = 500;

export function parseMetadata(text: string | null): Metadata | null {
  return text === null ? null : (JSON.parse(text) as Metadata);
}
