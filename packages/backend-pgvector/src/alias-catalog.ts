import type { CollectionAlias } from '@vecdex/core';
import type { PgClient, PgConnection } from './connection.js';

/** The pool or a client inside a transaction. */
type Queryable = Pick<PgClient, 'query'>;
import type { SchemaNames } from './schema.js';

/** Keys of the schema's `meta` table that hold aliases: `alias:<name>`. */
const PREFIX = 'alias:';

/**
 * Collection aliases as rows of `<schema>.meta` (`alias:<name>` → `{"collection", "updatedAt"}`):
 * no schema change, one row per alias, and repointing is one statement (autocommit), so a
 * reader sees the old target or the new one.
 */
export class AliasCatalog {
  constructor(
    private readonly conn: PgConnection,
    private readonly names: SchemaNames,
  ) {}

  /** `q`: the pool, or a client inside a transaction (a snapshot reader's). */
  async get(alias: string, q: Queryable = this.conn.pool): Promise<CollectionAlias | null> {
    const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${this.names.meta} WHERE key = $1`, [PREFIX + alias]);
    return rows[0] === undefined ? null : toAlias(alias, rows[0].value);
  }

  async list(q: Queryable = this.conn.pool): Promise<CollectionAlias[]> {
    const { rows } = await q.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.names.meta} WHERE starts_with(key, $1) ORDER BY key COLLATE "C"`,
      [PREFIX],
    );
    return rows.map((r) => toAlias(r.key.slice(PREFIX.length), r.value));
  }

  async set(alias: string, collection: string, updatedAt: number): Promise<void> {
    await this.conn.query(
      `INSERT INTO ${this.names.meta} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [PREFIX + alias, JSON.stringify({ collection, updatedAt })],
    );
  }

  async delete(alias: string): Promise<boolean> {
    const rows = await this.conn.query(`DELETE FROM ${this.names.meta} WHERE key = $1 RETURNING key`, [PREFIX + alias]);
    return rows.length > 0;
  }
}

function toAlias(alias: string, raw: string): CollectionAlias {
  const v = JSON.parse(raw) as { collection: string; updatedAt: number };
  return { alias, collection: v.collection, updatedAt: v.updatedAt };
}
