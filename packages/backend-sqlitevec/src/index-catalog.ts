import { errors, VecdexError } from '@vecdex/core';
import type { IndexDefinition, IndexSyncState } from '@vecdex/core';
import type { Connection } from './connection.js';

interface DefinitionRow {
  name: string;
  plugin: string;
  collections: string;
  params: string;
  created_at: number;
}

interface StateRow {
  cursor: string | null;
  state: string;
  updated_at: number;
}

const COLUMNS = 'name, plugin, collections, params, created_at';

/**
 * Index definitions and their sync state (`vecdex_indexes`, `vecdex_index_state`), so every
 * process that opens the store sees the same indexes. Plain rows; JSON columns for the lists.
 */
export class IndexCatalog {
  constructor(private readonly conn: Connection) {}

  create(def: IndexDefinition): void {
    this.conn.write(() => {
      if (this.get(def.name) !== null) {
        throw new VecdexError('INDEX_EXISTS', `index "${def.name}" already exists`, { details: { index: def.name } });
      }
      this.conn
        .prepare(`INSERT INTO vecdex_indexes (${COLUMNS}) VALUES (?, ?, ?, ?, ?)`)
        .run(def.name, def.plugin, JSON.stringify(def.collections), JSON.stringify(def.params), def.createdAt);
    });
  }

  get(name: string): IndexDefinition | null {
    const row = this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_indexes WHERE name = ?`).get(name) as DefinitionRow | undefined;
    return row === undefined ? null : toDefinition(row);
  }

  list(): IndexDefinition[] {
    return (this.conn.prepare(`SELECT ${COLUMNS} FROM vecdex_indexes ORDER BY name`).all() as DefinitionRow[]).map(toDefinition);
  }

  /** Delete a definition and its state; false when there was none. */
  delete(name: string): boolean {
    return this.conn.write(() => {
      this.conn.prepare('DELETE FROM vecdex_index_state WHERE name = ?').run(name);
      this.conn.prepare('DELETE FROM vecdex_index_events WHERE name = ?').run(name);
      return this.conn.prepare('DELETE FROM vecdex_indexes WHERE name = ?').run(name).changes > 0;
    });
  }

  getState(name: string): IndexSyncState | null {
    const row = this.conn.prepare('SELECT cursor, state, updated_at FROM vecdex_index_state WHERE name = ?').get(name) as
      | StateRow
      | undefined;
    if (row === undefined) return null;
    return { cursor: row.cursor, state: JSON.parse(row.state) as IndexSyncState['state'], updatedAt: row.updated_at };
  }

  /** Store an index's state; `UNKNOWN_INDEX` when it has no definition. */
  putState(name: string, state: IndexSyncState): void {
    this.conn.write(() => {
      if (this.get(name) === null) throw errors.unknownIndex(name);
      this.conn
        .prepare(
          `INSERT INTO vecdex_index_state (name, cursor, state, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, state = excluded.state, updated_at = excluded.updated_at`,
        )
        .run(name, state.cursor, JSON.stringify(state.state ?? {}), state.updatedAt);
    });
  }
}

function toDefinition(row: DefinitionRow): IndexDefinition {
  return {
    name: row.name,
    plugin: row.plugin,
    collections: JSON.parse(row.collections) as string[],
    params: JSON.parse(row.params) as IndexDefinition['params'],
    createdAt: row.created_at,
  };
}
