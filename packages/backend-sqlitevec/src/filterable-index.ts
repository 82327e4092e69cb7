import type BetterSqlite3 from 'better-sqlite3';
import { validateFilterable } from '@vecdex/core';
import { pathLiteral } from './filter-sql.js';

type Db = BetterSqlite3.Database;

/**
 * Version 5 of the schema: the filterable metadata fields a collection declares, as a JSON
 * array (NULL: none). Each has a partial expression index over the collection's rows of
 * `vecdex_items` (see {@link createFieldIndexSql}).
 */
export function migrateFilterable(db: Db): void {
  db.exec('ALTER TABLE vecdex_collections ADD COLUMN filterable TEXT');
}

/**
 * The index of one filterable field of collection `cid`. The name carries the field in hex
 * (any field, no quoting, no two fields alike); `cid` is our own integer.
 */
export function fieldIndexName(cid: number, field: string): string {
  if (!Number.isSafeInteger(cid) || cid < 1) throw new Error(`internal: bad collection id ${cid}`);
  return `vecdex_field_${cid}_${Buffer.from(field, 'utf8').toString('hex')}`;
}

/**
 * `(cid, json_type(metadata, P), json_extract(metadata, P)) WHERE cid = <cid>`: the JSON type
 * first, so a condition's type check (1 ≠ "1", true ≠ 1) is an equality on the index and the
 * comparison a range after it; the index then answers counts and id lists without reading the
 * rows. Partial (`WHERE cid`), so other collections' writes never touch it; the leading `cid`
 * makes it the better choice to SQLite than `vecdex_items_cid` for `cid = ? AND <condition>`.
 * The expressions must stay exactly those `filter-sql.ts` writes for a filterable field.
 */
export function createFieldIndexSql(cid: number, field: string): string {
  const p = pathLiteral(field.split('.'));
  return `CREATE INDEX IF NOT EXISTS ${fieldIndexName(cid, field)} ON vecdex_items (cid, json_type(metadata, ${p}), json_extract(metadata, ${p})) WHERE cid = ${cid}`;
}

export function dropFieldIndexSql(cid: number, field: string): string {
  return `DROP INDEX IF EXISTS ${fieldIndexName(cid, field)}`;
}

/** The stored column as a list (validated again: it is read back from the file). */
export function parseFilterable(text: string | null): string[] {
  if (text === null) return [];
  return validateFilterable(JSON.parse(text));
}
