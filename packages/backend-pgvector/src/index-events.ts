import { errors } from '@vecdex/core';
import type { IndexEvent } from '@vecdex/core';
import type { PgConnection } from './connection.js';
import type { SchemaNames } from './schema.js';

/** Schema version 3: each index's builds, syncs and rebuilds (`vx.indexes.history`). */
export function indexEventsMigration(n: SchemaNames): string[] {
  return [
    `CREATE TABLE ${n.indexEvents} (
      seq bigserial PRIMARY KEY,
      name text COLLATE "C" NOT NULL REFERENCES ${n.indexDefinitions} (name) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('build', 'sync', 'rebuild')),
      at bigint NOT NULL,
      duration_ms double precision NOT NULL,
      items bigint NOT NULL,
      reason text,
      cause text
    )`,
    `CREATE INDEX index_events_name ON ${n.indexEvents} (name, seq)`,
  ];
}

interface EventRow {
  name: string;
  kind: IndexEvent['kind'];
  at: string;
  duration_ms: number;
  items: string;
  reason: string | null;
  cause: IndexEvent['cause'];
}

/** The rows of `<schema>.index_events`: appended and trimmed in one transaction, listed newest first. */
export class IndexEvents {
  constructor(
    private readonly conn: PgConnection,
    private readonly names: SchemaNames,
  ) {}

  async append(event: IndexEvent, keep: number): Promise<void> {
    await this.conn.transaction(async (client) => {
      const t = this.names.indexEvents;
      const inserted = await client.query(
        `INSERT INTO ${t} (name, kind, at, duration_ms, items, reason, cause)
         SELECT d.name, $2, $3, $4, $5, $6, $7 FROM ${this.names.indexDefinitions} d WHERE d.name = $1 RETURNING seq`,
        [event.index, event.kind, event.at, event.durationMs, event.items, event.reason, event.cause],
      );
      if (inserted.rowCount === 0) throw errors.unknownIndex(event.index);
      await client.query(
        `DELETE FROM ${t} WHERE name = $1 AND seq <= (SELECT seq FROM ${t} WHERE name = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
        [event.index, keep],
      );
    });
  }

  async list(name: string, limit: number): Promise<IndexEvent[]> {
    const rows = await this.conn.query<EventRow>(
      `SELECT name, kind, at::text AS at, duration_ms, items::text AS items, reason, cause FROM ${this.names.indexEvents}
        WHERE name = $1 ORDER BY seq DESC LIMIT $2`,
      [name, limit],
    );
    return rows.map((r) => ({
      index: r.name,
      kind: r.kind,
      at: Number(r.at),
      durationMs: r.duration_ms,
      items: Number(r.items),
      reason: r.reason,
      cause: r.cause,
    }));
  }
}
