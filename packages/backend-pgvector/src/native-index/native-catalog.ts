import { VecdexError } from '@vecdex/core';
import type { PgCollectionTable, PgNativeAccess } from '../native-access.js';

/** A native index as PostgreSQL's catalog describes it. */
export interface CatalogIndex {
  /** Access method: `hnsw`, `ivfflat`. */
  method: string;
  /** False for an index left INVALID by an interrupted concurrent build. */
  valid: boolean;
  /** Whether it is an index on the collection's table (not a same-named one elsewhere). */
  onTable: boolean;
  /** `pg_get_indexdef`, e.g. `CREATE INDEX ... USING hnsw (embedding vector_l2_ops) WITH (m='16', ...)`. */
  definition: string;
  bytes: number;
}

/** The index of that name in the backend's schema (pg_class/pg_index/pg_am), or null when there is none. */
export async function findIndex(access: PgNativeAccess, table: PgCollectionTable, name: string): Promise<CatalogIndex | null> {
  const r = await access.pool.query<{ method: string; valid: boolean; on_table: boolean; definition: string; bytes: string }>(
    `SELECT am.amname AS method, i.indisvalid AS valid, i.indrelid = to_regclass($3) AS on_table,
            pg_get_indexdef(c.oid) AS definition, pg_relation_size(c.oid) AS bytes
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_index i ON i.indexrelid = c.oid
       JOIN pg_am am ON am.oid = c.relam
      WHERE n.nspname = $1 AND c.relname = $2`,
    [access.schema, name, table.table],
  );
  const row = r.rows[0];
  if (row === undefined) return null;
  return {
    method: row.method,
    valid: row.valid,
    onTable: row.on_table === true,
    definition: row.definition,
    bytes: Number(row.bytes),
  };
}

/** Rows in the collection's table. */
export async function countRows(access: PgNativeAccess, table: PgCollectionTable): Promise<number> {
  const r = await access.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.table}`);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * The quoted schema pgvector's types, operators and operator classes live in (e.g. `"public"`),
 * so generated SQL resolves them whatever the connection's search_path.
 */
export async function extensionSchema(access: PgNativeAccess): Promise<string> {
  const r = await access.pool.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
  );
  const schema = r.rows[0]?.schema;
  if (schema === undefined) {
    throw new VecdexError(
      'MISSING_NATIVE_DEPENDENCY',
      'the pgvector extension is not installed in this database; run CREATE EXTENSION vector',
      {
        details: { extension: 'vector' },
      },
    );
  }
  return `"${schema.replace(/"/g, '""')}"`;
}

/** Names of the other vecdex native indexes on the collection's table (not `name` or its build name). */
export async function otherNativeIndexes(access: PgNativeAccess, table: PgCollectionTable, name: string): Promise<string[]> {
  const r = await access.pool.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1) AND c.relname LIKE 'vecdex\\_idx\\_%' AND c.relname <> $2 AND c.relname <> $3`,
    [table.table, name, `${name}_new`],
  );
  return r.rows.map((row) => row.name);
}
