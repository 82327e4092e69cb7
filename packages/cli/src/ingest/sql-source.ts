import type { IngestRecord, JsonValue } from '@vecdex/core';
import { CliError, UsageError } from '../cli-error.js';
import { type SqliteDatabase, type SqliteStatement, loadSqlite } from '../load-sqlite.js';
import { type ColumnChoice, type TextSource, recordFromRow, requireColumns } from './text-source.js';

/**
 * Rows of a query against a SQLite database, opened read-only (`--sql "SELECT id, body AS
 * content, lang FROM notes" --database notes.db`). Only statements that return rows are run.
 */
export async function sqlSource(sql: string, database: string, choice: ColumnChoice): Promise<TextSource> {
  const Ctor = await loadSqlite();
  const query = sql.trim().replace(/;+\s*$/, '');
  const open = (): SqliteDatabase => {
    try {
      return new Ctor(database, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new CliError('IMPORT_FORMAT', `cannot open SQLite database ${database}: ${(err as Error).message}`, { cause: err });
    }
  };
  const prepare = (db: SqliteDatabase, text: string): SqliteStatement => {
    try {
      return db.prepare(text);
    } catch (err) {
      throw new UsageError(`--sql is not a valid query for ${database}: ${(err as Error).message}`);
    }
  };
  // Check the query once up front: it must return rows, with the chosen columns.
  const db = open();
  try {
    const stmt = prepare(db, query);
    if (!stmt.reader) throw new UsageError('--sql must be a query that returns rows (SELECT ...)');
    requireColumns(
      stmt.columns().map((c) => c.name),
      choice,
      'the --sql result',
    );
  } finally {
    db.close();
  }
  return {
    describe: `${database}: ${query}`,
    async count() {
      const d = open();
      try {
        return Number(prepare(d, `SELECT COUNT(*) AS n FROM (${query})`).get()?.n ?? 0);
      } finally {
        d.close();
      }
    },
    async *records(): AsyncGenerator<IngestRecord> {
      const d = open();
      try {
        for (const row of prepare(d, query).iterate()) yield recordFromRow(row, choice, sqlValue);
      } finally {
        d.close();
      }
    },
  };
}

function sqlValue(v: unknown): JsonValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return String(v);
}
