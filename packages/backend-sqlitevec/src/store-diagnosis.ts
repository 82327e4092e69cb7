import { statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { DoctorCheck } from '@vecdex/core';
import { SCHEMA_VERSION, readHeader } from './migrations.js';

type Db = BetterSqlite3.Database;

/** A WAL past this is reported: checkpoints are being starved (PITFALLS: a long-lived reader). */
export const WAL_WARN_BYTES = 256 * 1024 * 1024;
const MAX_PROBLEMS = 5;

/**
 * The sqlitevec store's doctor checks, reading only: schema version and extension versions,
 * `PRAGMA quick_check` (every page's structure, without the index-content cross-check of
 * `integrity_check`), the WAL's size, the file's size and the change feed's tombstone backlog.
 */
export function diagnoseSqlite(db: Db, file: string): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const header = readHeader(db);
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  const vec = db.prepare('SELECT vec_version()').pluck().get() as string;
  const current = header.userVersion === SCHEMA_VERSION;
  checks.push({
    name: 'store.schema',
    status: current ? 'ok' : 'warn',
    message: `schema version ${header.userVersion}${current ? '' : ` (this package writes ${SCHEMA_VERSION})`}, SQLite ${sqlite}, sqlite-vec ${vec}`,
    ...(current ? {} : { remedy: 'the next command that opens the store for writing migrates it' }),
    details: { schemaVersion: header.userVersion, supported: SCHEMA_VERSION, sqlite, sqliteVec: vec },
  });
  const started = performance.now();
  const rows = db.pragma(`quick_check(${MAX_PROBLEMS})`, { simple: false }) as { quick_check: string }[];
  const ms = Math.round(performance.now() - started);
  const problems = rows.flatMap((r) => r.quick_check.split('\n')).filter((m) => m !== 'ok' && !m.startsWith('*** '));
  checks.push(
    problems.length === 0
      ? { name: 'store.integrity', status: 'ok', message: `PRAGMA quick_check: ok (${ms} ms)`, details: { ms } }
      : {
          name: 'store.integrity',
          status: 'fail',
          message: `PRAGMA quick_check found problems: ${problems.slice(0, 2).join('; ')}${problems.length > 2 ? ` (+${problems.length - 2} more)` : ''}`,
          remedy: `restore the last backup (vecdex restore <backup> --force); to salvage what is readable, sqlite3 ${file} ".recover" into a new file`,
          details: { problems, ms },
        },
  );
  if (file !== ':memory:') {
    const bytes = sizeOf(file);
    const wal = sizeOf(`${file}-wal`);
    const big = wal > WAL_WARN_BYTES;
    checks.push({
      name: 'store.wal',
      status: big ? 'warn' : 'ok',
      message: `store file ${formatMiB(bytes)}, WAL ${formatMiB(wal)}`,
      ...(big
        ? {
            remedy:
              'a long-lived reader is holding checkpoints back: end it (the next write then checkpoints and truncates the WAL)',
          }
        : {}),
      details: { bytes, walBytes: wal },
    });
  }
  const feed = db
    .prepare("SELECT count(*) AS changes, coalesce(sum(op = 'delete'), 0) AS tombstones FROM vecdex_changes")
    .get() as { changes: number; tombstones: number };
  const heavy = feed.tombstones > 10_000 && feed.tombstones > feed.changes / 2;
  checks.push({
    name: 'store.feed',
    status: heavy ? 'warn' : 'ok',
    message: `change feed: ${feed.changes} entries, ${feed.tombstones} tombstone(s)`,
    ...(heavy ? { remedy: 'vecdex prune-tombstones (deletes those every index has passed)' } : {}),
    details: { entries: feed.changes, tombstones: feed.tombstones },
  });
  return checks;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function formatMiB(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} B` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
