import type BetterSqlite3 from 'better-sqlite3';
import { errors } from '@vecdex/core';
import type { IndexEvent } from '@vecdex/core';
import type { Connection } from './connection.js';

/** Version 6: each index's builds, syncs and rebuilds (`vx.indexes.history`). */
export function migrateIndexEvents(db: BetterSqlite3.Database): void {
  db.exec(`
CREATE TABLE vecdex_index_events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL REFERENCES vecdex_indexes (name) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('build', 'sync', 'rebuild')),
  at          INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  items       INTEGER NOT NULL,
  reason      TEXT,
  cause       TEXT
);
CREATE INDEX vecdex_index_events_name ON vecdex_index_events (name, seq);
`);
}

interface EventRow {
  name: string;
  kind: IndexEvent['kind'];
  at: number;
  duration_ms: number;
  items: number;
  reason: string | null;
  cause: IndexEvent['cause'];
}

/** The rows of `vecdex_index_events`: appended, trimmed to the newest `keep` per index, listed newest first. */
export class IndexEvents {
  constructor(private readonly conn: Connection) {}

  append(event: IndexEvent, keep: number): void {
    this.conn.write(() => {
      if (this.conn.prepare('SELECT 1 FROM vecdex_indexes WHERE name = ?').get(event.index) === undefined) {
        throw errors.unknownIndex(event.index);
      }
      this.conn
        .prepare(
          'INSERT INTO vecdex_index_events (name, kind, at, duration_ms, items, reason, cause) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(event.index, event.kind, event.at, event.durationMs, event.items, event.reason, event.cause);
      this.conn
        .prepare(
          `DELETE FROM vecdex_index_events WHERE name = ? AND seq <=
             (SELECT seq FROM vecdex_index_events WHERE name = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
        )
        .run(event.index, event.index, keep);
    });
  }

  list(name: string, limit: number): IndexEvent[] {
    const rows = this.conn
      .prepare(
        'SELECT name, kind, at, duration_ms, items, reason, cause FROM vecdex_index_events WHERE name = ? ORDER BY seq DESC LIMIT ?',
      )
      .all(name, limit) as EventRow[];
    return rows.map((r) => ({
      index: r.name,
      kind: r.kind,
      at: r.at,
      durationMs: r.duration_ms,
      items: r.items,
      reason: r.reason,
      cause: r.cause,
    }));
  }
}
