import type { Metric } from '@vecdex/core';

/**
 * The SQL schema of a vecdex SQLite store.
 *
 * Only fixed identifiers and integers this package generated (collection ids) ever appear in
 * SQL text; every user-provided value (names, ids, metadata, filter operands) is a bound
 * parameter. That is what makes the dynamic table names below safe.
 */

/** `PRAGMA application_id` of a vecdex store: the bytes "vecx". */
export const APPLICATION_ID = 0x76656378;

/** Largest `float[N]` a vec0 column accepts in sqlite-vec 0.1.x ("maximum 8192"). */
export const MAX_DIMENSIONS = 8192;

/** Largest `k` a vec0 KNN query accepts in sqlite-vec 0.1.x; above it we scan. */
export const MAX_KNN_K = 4096;

/** Version 1 of the schema: every table except the per-collection vec0 tables. */
export const SCHEMA_V1 = `
CREATE TABLE vecdex_meta (
  key   TEXT PRIMARY KEY,
  value TEXT
);

CREATE TABLE vecdex_collections (
  cid           INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT UNIQUE NOT NULL,
  dimensions    INTEGER NOT NULL,
  metric        TEXT NOT NULL,
  model         TEXT,
  default_index TEXT,
  created_at    INTEGER NOT NULL
);

CREATE TABLE vecdex_items (
  rowid    INTEGER PRIMARY KEY,
  cid      INTEGER NOT NULL,
  id       TEXT NOT NULL,
  content  TEXT,
  metadata TEXT,
  modified INTEGER NOT NULL,
  UNIQUE (cid, id)
);
-- Ordered by (cid, rowid): scan pages (cid = ? AND rowid > ? ORDER BY rowid) without sorting.
CREATE INDEX vecdex_items_cid ON vecdex_items (cid);

CREATE TABLE vecdex_changes (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  cid      INTEGER NOT NULL,
  item_id  TEXT NOT NULL,
  op       TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
  modified INTEGER NOT NULL,
  UNIQUE (cid, item_id)
);
-- Feed reads per collection in seq order (cid = ? AND seq > ? ORDER BY seq), without sorting.
CREATE INDEX vecdex_changes_cid_seq ON vecdex_changes (cid, seq);

CREATE TABLE vecdex_indexes (
  name        TEXT PRIMARY KEY,
  plugin      TEXT NOT NULL,
  collections TEXT NOT NULL,
  params      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE vecdex_index_state (
  name       TEXT PRIMARY KEY REFERENCES vecdex_indexes (name) ON DELETE CASCADE,
  cursor     TEXT,
  state      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

/**
 * Version 2: items carry the hash of the text their vector was computed from (`contentHash`),
 * so an ingest re-run re-embeds only what changed. Existing rows get NULL.
 */
export const SCHEMA_V2 = `
ALTER TABLE vecdex_items ADD COLUMN content_hash TEXT;
`;

/**
 * Version 4: how a cosine collection's vec0 blob maps back to the vector the user stored
 * (`vector-scaling.ts`): a power-of-two exponent, and the exact bytes where scaling loses some.
 * NULL (nearly every row) means the blob is the vector.
 */
export const SCHEMA_V4 = `
ALTER TABLE vecdex_items ADD COLUMN vector_exp INTEGER;
ALTER TABLE vecdex_items ADD COLUMN vector_exact BLOB;
`;

/** The vec0 table holding a collection's vectors; its rowids are the `vecdex_items` rowids. */
export function vecTable(cid: number): string {
  if (!Number.isSafeInteger(cid) || cid < 1) throw new Error(`internal: bad collection id ${cid}`);
  return `vecdex_vec_${cid}`;
}

/**
 * The distance vec0 computes for a collection. vec0 has no inner product, so `ip` collections
 * store with l2 and search by scanning with the `vecdex_neg_dot` function.
 */
export function vec0Metric(metric: Metric): 'l2' | 'cosine' | 'l1' {
  return metric === 'ip' ? 'l2' : metric;
}

export function createVecTableSql(cid: number, dimensions: number, metric: Metric): string {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    throw new Error(`internal: bad dimensions ${dimensions}`);
  }
  return `CREATE VIRTUAL TABLE ${vecTable(cid)} USING vec0(embedding float[${dimensions}] distance_metric=${vec0Metric(metric)})`;
}
