import { errors, VecdexError } from '@vecdex/core';
import type { IndexDefinition, IndexSyncState } from '@vecdex/core';
import type { PgClient, PgConnection } from './connection.js';

/** The pool or a client inside a transaction. */
type Queryable = Pick<PgClient, 'query'>;
import type { SchemaNames } from './schema.js';

interface DefinitionRow {
  name: string;
  plugin: string;
  collections: string[];
  params: IndexDefinition['params'];
  created_at: string;
}

interface StateRow {
  cursor: string | null;
  state: IndexSyncState['state'];
  updated_at: string;
}

const COLUMNS = 'name, plugin, collections, params, created_at';

/**
 * Index definitions and their sync state (`index_definitions`, `index_states`, in the vecdex
 * schema), so every process that opens the store sees the same indexes. JSON lists are jsonb.
 */
export class IndexCatalog {
  constructor(
    private readonly conn: PgConnection,
    private readonly names: SchemaNames,
  ) {}

  async create(def: IndexDefinition): Promise<void> {
    const res = await this.conn.query(
      `INSERT INTO ${this.names.indexDefinitions} (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
       ON CONFLICT (name) DO NOTHING RETURNING name`,
      [def.name, def.plugin, JSON.stringify(def.collections), JSON.stringify(def.params), def.createdAt],
    );
    if (res.length === 0)
      throw new VecdexError('INDEX_EXISTS', `index "${def.name}" already exists`, { details: { index: def.name } });
  }

  /** `q`: the pool, or a client inside a transaction (a snapshot reader's). */
  async get(name: string, q: Queryable = this.conn.pool): Promise<IndexDefinition | null> {
    const { rows } = await q.query<DefinitionRow>(`SELECT ${COLUMNS} FROM ${this.names.indexDefinitions} WHERE name = $1`, [
      name,
    ]);
    return rows[0] === undefined ? null : toDefinition(rows[0]);
  }

  async list(q: Queryable = this.conn.pool): Promise<IndexDefinition[]> {
    const { rows } = await q.query<DefinitionRow>(`SELECT ${COLUMNS} FROM ${this.names.indexDefinitions} ORDER BY name`);
    return rows.map(toDefinition);
  }

  /** Delete a definition and (by cascade) its state; false when there was none. */
  async delete(name: string): Promise<boolean> {
    const rows = await this.conn.query(`DELETE FROM ${this.names.indexDefinitions} WHERE name = $1 RETURNING name`, [name]);
    return rows.length > 0;
  }

  async getState(name: string): Promise<IndexSyncState | null> {
    const rows = await this.conn.query<StateRow>(
      `SELECT cursor, state, updated_at::text AS updated_at FROM ${this.names.indexStates} WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    return row === undefined ? null : { cursor: row.cursor, state: row.state, updatedAt: Number(row.updated_at) };
  }

  /** Store an index's state; `UNKNOWN_INDEX` when it has no definition. */
  async putState(name: string, state: IndexSyncState): Promise<void> {
    const rows = await this.conn.query(
      `INSERT INTO ${this.names.indexStates} (name, cursor, state, updated_at)
       SELECT d.name, $2, $3::jsonb, $4 FROM ${this.names.indexDefinitions} d WHERE d.name = $1
       ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, state = excluded.state, updated_at = excluded.updated_at
       RETURNING name`,
      [name, state.cursor, JSON.stringify(state.state ?? {}), state.updatedAt],
    );
    if (rows.length === 0) throw errors.unknownIndex(name);
  }
}

function toDefinition(row: DefinitionRow): IndexDefinition {
  return {
    name: row.name,
    plugin: row.plugin,
    collections: row.collections,
    params: row.params,
    createdAt: Number(row.created_at),
  };
}
