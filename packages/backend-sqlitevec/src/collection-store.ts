import {
  errors,
  isMetric,
  validateFilterable,
  type CollectionInfo,
  type CollectionPatch,
  type CollectionSpec,
  type Metric,
} from '@vecdex/core';
import type { Connection } from './connection.js';
import { createFtsTableSql, ftsTable } from './full-text.js';
import { createFieldIndexSql, dropFieldIndexSql, parseFilterable } from './filterable-index.js';
import { createVecTableSql, MAX_DIMENSIONS, vecTable } from './schema.js';

/** A collection row: what the API reports, plus the numeric id that names its vec0 table. */
export interface CollectionRow extends CollectionInfo {
  cid: number;
}

interface RawRow {
  cid: number;
  name: string;
  dimensions: number;
  metric: string;
  model: string | null;
  default_index: string | null;
  created_at: number;
  filterable: string | null;
}

const COLUMNS = 'cid, name, dimensions, metric, model, default_index, created_at, filterable';

/**
 * The `vecdex_collections` table and the per-collection vec0 tables. Rows are read on every
 * call here; the backend keeps them only while SQLite's `data_version` and its own write count
 * say nothing was committed since (another process may create or drop collections in the file).
 */
export class CollectionStore {
  constructor(private readonly conn: Connection) {}

  /** Create the row and its vec0 table in one transaction. */
  create(spec: Required<CollectionSpec>, createdAt: number): CollectionRow {
    if (!Number.isInteger(spec.dimensions) || spec.dimensions < 1 || spec.dimensions > MAX_DIMENSIONS) {
      throw errors.invalidArgument('dimensions', `an integer from 1 to ${MAX_DIMENSIONS} (sqlite-vec's limit)`, spec.dimensions);
    }
    if (!isMetric(spec.metric)) throw errors.unsupportedMetric(spec.metric, ['cosine', 'l2', 'l1', 'ip'], 'sqlitevec');
    return this.conn.write(() => {
      if (this.find(spec.name) !== null) throw errors.collectionExists(spec.name);
      const res = this.conn
        .prepare(
          `INSERT INTO vecdex_collections (name, dimensions, metric, model, default_index, created_at) VALUES (?, ?, ?, ?, NULL, ?)`,
        )
        .run(spec.name, spec.dimensions, spec.metric, spec.model ?? null, createdAt);
      const cid = Number(res.lastInsertRowid);
      this.conn.db.exec(createVecTableSql(cid, spec.dimensions, spec.metric));
      this.conn.db.exec(createFtsTableSql(cid));
      return this.find(spec.name) as CollectionRow;
    });
  }

  /** The collection, or null. */
  find(name: string): CollectionRow | null {
    const row = this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_collections WHERE name = ?`).get(name) as RawRow | undefined;
    return row === undefined ? null : toRow(row);
  }

  /** The collection, or `UNKNOWN_COLLECTION` listing the ones that exist. */
  require(name: string): CollectionRow {
    const row = this.find(name);
    if (row === null)
      throw errors.unknownCollection(
        name,
        this.list().map((c) => c.name),
      );
    return row;
  }

  /**
   * Rewrite each collection's vec0 table with only its live rows: sqlite-vec's delete clears a
   * validity bit and keeps the chunk, so `VACUUM` alone cannot give that space back. The rows
   * go to a plain scratch table, the vec0 table is dropped and created again, and the rows come
   * back under their rowids. Call inside the write transaction.
   */
  rewriteVectorTables(): void {
    const db = this.conn.db;
    for (const row of this.list()) {
      const table = vecTable(row.cid);
      db.exec('DROP TABLE IF EXISTS temp.vecdex_compact_rows');
      db.exec(`CREATE TEMP TABLE vecdex_compact_rows AS SELECT rowid AS rid, embedding FROM ${table}`);
      db.exec(`DROP TABLE ${table}`);
      this.conn.forget(table);
      db.exec(createVecTableSql(row.cid, row.dimensions, row.metric));
      db.exec(`INSERT INTO ${table}(rowid, embedding) SELECT rid, embedding FROM temp.vecdex_compact_rows ORDER BY rid`);
      db.exec('DROP TABLE temp.vecdex_compact_rows');
    }
  }

  list(): CollectionRow[] {
    const rows = this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_collections ORDER BY name`).all() as RawRow[];
    return rows.map(toRow);
  }

  update(name: string, patch: CollectionPatch): CollectionRow {
    return this.conn.write(() => {
      const row = this.require(name);
      const model = patch.model === undefined ? row.model : patch.model;
      const defaultIndex = patch.defaultIndex === undefined ? row.defaultIndex : patch.defaultIndex;
      this.conn
        .prepare('UPDATE vecdex_collections SET model = ?, default_index = ? WHERE cid = ?')
        .run(model, defaultIndex, row.cid);
      if (patch.filterable !== undefined) this.setFilterable(row, validateFilterable(patch.filterable));
      return this.require(name);
    });
  }

  /**
   * Build the index of each newly declared field (over the rows already stored) and drop those
   * of fields no longer declared; call inside the write transaction, which makes it all or nothing.
   */
  private setFilterable(row: CollectionRow, fields: string[]): void {
    const before = row.filterable ?? [];
    for (const f of before) if (!fields.includes(f)) this.conn.db.exec(dropFieldIndexSql(row.cid, f));
    for (const f of fields) if (!before.includes(f)) this.conn.db.exec(createFieldIndexSql(row.cid, f));
    this.conn
      .prepare('UPDATE vecdex_collections SET filterable = ? WHERE cid = ?')
      .run(fields.length === 0 ? null : JSON.stringify(fields), row.cid);
  }

  /** Drop the vec0 table, the items, their change-feed entries and the row, atomically. */
  delete(name: string): boolean {
    const dropped = this.conn.write(() => {
      const row = this.find(name);
      if (row === null) return null;
      this.conn.db.exec(`DROP TABLE IF EXISTS ${vecTable(row.cid)}`);
      this.conn.db.exec(`DROP TABLE IF EXISTS ${ftsTable(row.cid)}`);
      for (const f of row.filterable ?? []) this.conn.db.exec(dropFieldIndexSql(row.cid, f));
      this.conn.prepare('DELETE FROM vecdex_items WHERE cid = ?').run(row.cid);
      this.conn.prepare('DELETE FROM vecdex_changes WHERE cid = ?').run(row.cid);
      this.conn.prepare('DELETE FROM vecdex_collections WHERE cid = ?').run(row.cid);
      return row;
    });
    if (dropped === null) return false;
    this.conn.forget(vecTable(dropped.cid));
    this.conn.forget(ftsTable(dropped.cid));
    return true;
  }
}

/** The public view of a row (without `cid`). */
export function toInfo(row: CollectionRow): CollectionInfo {
  const { cid: _cid, ...info } = row;
  return info;
}

function toRow(r: RawRow): CollectionRow {
  const row: CollectionRow = {
    cid: r.cid,
    name: r.name,
    dimensions: r.dimensions,
    metric: r.metric as Metric,
    model: r.model,
    defaultIndex: r.default_index,
    createdAt: r.created_at,
  };
  const filterable = parseFilterable(r.filterable);
  if (filterable.length > 0) row.filterable = filterable;
  return row;
}
