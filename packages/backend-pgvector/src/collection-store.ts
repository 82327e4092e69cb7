import {
  errors,
  isMetric,
  METRICS,
  validateFilterable,
  type CollectionInfo,
  type CollectionPatch,
  type CollectionSpec,
  type Metric,
} from '@vecdex/core';
import { CATALOG_CHANNEL } from './catalog-cache.js';
import type { PgClient, PgConnection } from './connection.js';
import type { PgVectorType } from './native-access.js';
import { createFieldIndexSql, dropFieldIndexSql, parseFilterable } from './filterable-index.js';
import { createItemsTableSql, MAX_HALFVEC_DIMENSIONS, MAX_VECTOR_DIMENSIONS, vectorTypeFor, type SchemaNames } from './schema.js';

/** A collection row: what the API reports, plus the id naming its table and the column type. */
export interface CollectionRow extends CollectionInfo {
  cid: number;
  vectorType: PgVectorType;
}

interface RawRow {
  cid: number;
  name: string;
  dimensions: number;
  metric: string;
  vector_type: string;
  model: string | null;
  default_index: string | null;
  created_at: string;
  filterable: unknown;
}

const COLUMNS = 'cid, name, dimensions, metric, vector_type, model, default_index, created_at, filterable';
const NOTIFY = `SELECT pg_notify('${CATALOG_CHANNEL}', $1)`;

/** Anything that runs a query: the pool or a client inside a transaction. */
type Queryable = Pick<PgClient, 'query'>;

/**
 * The `collections` table and the per-collection items tables. Rows are read on every call
 * here; the backend may cache them (`CatalogCache`), which is why every change to the table
 * notifies `vecdex_catalog` in its own transaction (delivered to listeners at commit).
 */
export class CollectionStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly names: SchemaNames,
  ) {}

  /** Create the row and its table in one transaction (pgvector#915: validate before any DDL). */
  async create(spec: Required<CollectionSpec>, createdAt: number): Promise<CollectionRow> {
    if (!Number.isInteger(spec.dimensions) || spec.dimensions < 1 || spec.dimensions > MAX_HALFVEC_DIMENSIONS) {
      throw errors.invalidArgument(
        'dimensions',
        `an integer from 1 to ${MAX_HALFVEC_DIMENSIONS}: pgvector indexes at most ${MAX_VECTOR_DIMENSIONS} dimensions as vector and ${MAX_HALFVEC_DIMENSIONS} as halfvec (collections above ${MAX_VECTOR_DIMENSIONS} are stored as halfvec, in half precision); reduce the dimensions or use another backend`,
        spec.dimensions,
      );
    }
    if (!isMetric(spec.metric)) throw errors.unsupportedMetric(spec.metric, METRICS, 'pgvector');
    const type = vectorTypeFor(spec.dimensions);
    return this.conn.transaction(async (client) => {
      const inserted = await client.query<RawRow>(
        `INSERT INTO ${this.names.collections} (name, dimensions, metric, vector_type, model, default_index, created_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
        [spec.name, spec.dimensions, spec.metric, type, spec.model ?? null, createdAt],
      );
      const raw = inserted.rows[0];
      if (raw === undefined) throw errors.collectionExists(spec.name);
      for (const sql of createItemsTableSql(this.names, raw.cid, type, spec.dimensions)) await client.query(sql);
      await client.query(NOTIFY, [this.names.name]);
      return toRow(raw);
    });
  }

  async find(name: string, q: Queryable = this.conn.pool, lock = ''): Promise<CollectionRow | null> {
    const res = await q.query<RawRow>(`SELECT ${COLUMNS} FROM ${this.names.collections} WHERE name = $1 ${lock}`, [name]);
    const raw = res.rows[0];
    return raw === undefined ? null : toRow(raw);
  }

  /**
   * The collection or `UNKNOWN_COLLECTION` (naming the existing ones). Inside a write, pass
   * `FOR KEY SHARE` so a concurrent `delete` waits for the write (and the write sees no dropped
   * table), while `update` (FOR NO KEY UPDATE) does not wait for long ingests.
   */
  async require(name: string, q: Queryable = this.conn.pool, lock = ''): Promise<CollectionRow> {
    const row = await this.find(name, q, lock);
    if (row !== null) return row;
    throw errors.unknownCollection(
      name,
      (await this.list(q)).map((c) => c.name),
    );
  }

  async list(q: Queryable = this.conn.pool): Promise<CollectionRow[]> {
    const res = await q.query<RawRow>(`SELECT ${COLUMNS} FROM ${this.names.collections} ORDER BY name`);
    return res.rows.map(toRow);
  }

  async update(name: string, patch: CollectionPatch): Promise<CollectionRow> {
    return this.conn.transaction(async (client) => {
      const current = await this.require(name, client, 'FOR NO KEY UPDATE');
      const defaultIndex = patch.defaultIndex === undefined ? current.defaultIndex : patch.defaultIndex;
      const model = patch.model === undefined ? current.model : patch.model;
      const before = current.filterable ?? [];
      const fields = patch.filterable === undefined ? before : validateFilterable(patch.filterable);
      // A new field's index is built over the rows stored so far, inside this transaction.
      for (const f of before) if (!fields.includes(f)) await client.query(dropFieldIndexSql(this.names, current.cid, f));
      for (const f of fields) if (!before.includes(f)) await client.query(createFieldIndexSql(this.names, current.cid, f));
      const res = await client.query<RawRow>(
        `UPDATE ${this.names.collections} SET default_index = $2, model = $3, filterable = $4::jsonb WHERE cid = $1 RETURNING ${COLUMNS}`,
        [current.cid, defaultIndex, model, fields.length === 0 ? null : JSON.stringify(fields)],
      );
      await client.query(NOTIFY, [this.names.name]);
      return toRow(res.rows[0] as RawRow);
    });
  }

  /** Drop the row, the items table (with any native index on it) and the feed entries. */
  async delete(name: string): Promise<boolean> {
    return this.conn.transaction(async (client) => {
      const row = await this.find(name, client, 'FOR UPDATE');
      if (row === null) return false;
      await client.query(`DELETE FROM ${this.names.collections} WHERE cid = $1`, [row.cid]);
      await client.query(`DROP TABLE IF EXISTS ${this.names.items(row.cid)}`);
      await client.query(`DELETE FROM ${this.names.changes} WHERE cid = $1`, [row.cid]);
      await client.query(NOTIFY, [this.names.name]);
      return true;
    });
  }
}

function toRow(r: RawRow): CollectionRow {
  const row: CollectionRow = {
    cid: r.cid,
    name: r.name,
    dimensions: r.dimensions,
    metric: r.metric as Metric,
    vectorType: r.vector_type as PgVectorType,
    model: r.model,
    defaultIndex: r.default_index,
    createdAt: Number(r.created_at),
  };
  const filterable = parseFilterable(r.filterable);
  if (filterable.length > 0) row.filterable = filterable;
  return row;
}

/** The public shape (without the internal fields). */
export function toInfo(row: CollectionRow): CollectionInfo {
  const info: CollectionInfo = {
    name: row.name,
    dimensions: row.dimensions,
    metric: row.metric,
    model: row.model,
    defaultIndex: row.defaultIndex,
    createdAt: row.createdAt,
  };
  if (row.filterable !== undefined) info.filterable = [...row.filterable];
  return info;
}
