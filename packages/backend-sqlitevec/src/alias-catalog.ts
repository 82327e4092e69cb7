import type { CollectionAlias } from '@vecdex/core';
import type { Connection } from './connection.js';

/** Keys of `vecdex_meta` that hold aliases: `alias:<name>`. */
const PREFIX = 'alias:';

/**
 * Collection aliases as rows of `vecdex_meta` (`alias:<name>` → `{"collection", "updatedAt"}`):
 * no schema change, one row per alias, and repointing is one statement, so a reader sees the
 * old target or the new one. Backups (`VACUUM INTO`) carry them.
 */
export class AliasCatalog {
  constructor(private readonly conn: Connection) {}

  get(alias: string): CollectionAlias | null {
    const raw = this.conn
      .prepare('SELECT value FROM vecdex_meta WHERE key = ?')
      .pluck()
      .get(PREFIX + alias) as string | undefined;
    return raw === undefined ? null : toAlias(alias, raw);
  }

  list(): CollectionAlias[] {
    const rows = this.conn
      .prepare(`SELECT key, value FROM vecdex_meta WHERE key >= '${PREFIX}' AND key < 'alias;' ORDER BY key`)
      .all() as { key: string; value: string }[];
    return rows.map((r) => toAlias(r.key.slice(PREFIX.length), r.value));
  }

  set(alias: string, collection: string, updatedAt: number): void {
    this.conn
      .prepare('INSERT INTO vecdex_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(PREFIX + alias, JSON.stringify({ collection, updatedAt }));
  }

  delete(alias: string): boolean {
    return this.conn.prepare('DELETE FROM vecdex_meta WHERE key = ?').run(PREFIX + alias).changes > 0;
  }
}

function toAlias(alias: string, raw: string): CollectionAlias {
  const v = JSON.parse(raw) as { collection: string; updatedAt: number };
  return { alias, collection: v.collection, updatedAt: v.updatedAt };
}
