import { createHash } from 'node:crypto';
import { validateFilterable } from '@vecdex/core';
import { escapeIdentifier } from 'pg';
import { indexedValue } from './filter-sql.js';
import { itemsTableName, type SchemaNames } from './schema.js';

/**
 * The btree index of one filterable field on a collection's items table, over
 * `(metadata -> 'k1' -> 'k2')`: jsonb orders values by type, then by value, so equality,
 * `= ANY` and number ranges are index scans; the type check runs on the rows found. The name is
 * `items_<cid>_f_<16 hex of the field's SHA-256>` (PostgreSQL names stop at 63 bytes). The
 * expression must stay exactly the one `filter-sql.ts` writes for a filterable field.
 */
export function fieldIndexName(cid: number, field: string): string {
  return `${itemsTableName(cid)}_f_${createHash('sha256').update(field).digest('hex').slice(0, 16)}`;
}

export function createFieldIndexSql(names: SchemaNames, cid: number, field: string): string {
  const expr = indexedValue('metadata', field.split('.'));
  return `CREATE INDEX IF NOT EXISTS ${escapeIdentifier(fieldIndexName(cid, field))} ON ${names.items(cid)} (${expr})`;
}

export function dropFieldIndexSql(names: SchemaNames, cid: number, field: string): string {
  return `DROP INDEX IF EXISTS ${names.schema}.${escapeIdentifier(fieldIndexName(cid, field))}`;
}

/** The stored column (jsonb, read back as an array or null) as a list, validated again. */
export function parseFilterable(value: unknown): string[] {
  return value === null || value === undefined ? [] : validateFilterable(value);
}
