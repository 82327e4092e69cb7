import { VecdexError, isVecdexError } from '@vecdex/core';

/**
 * Turn an error thrown by better-sqlite3 (a `SqliteError` with a `SQLITE_*` code) into a
 * `VecdexError` whose message says what happened to which file and what to do. Vecdex errors and
 * errors that did not come from SQLite pass through unchanged.
 */
export function toVecdexError(err: unknown, file: string): unknown {
  if (isVecdexError(err)) return err;
  const code = sqliteCode(err);
  if (code === null) return err;
  const message = (err as Error).message;
  const details = { path: file, sqliteCode: code };
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new VecdexError('STORE_CORRUPT', notAStoreMessage(file, message), { cause: err, details });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new VecdexError(
      'BACKEND_FAILURE',
      `${file} is locked by another connection (${message}); only one process writes to a SQLite store at a time, so retry, raise busyTimeoutMs, or use a server backend such as pgvector`,
      { cause: err, details },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new VecdexError(
      'NOT_SUPPORTED',
      `${file} cannot be written (${message}); it was opened read-only or the file is not writable`,
      {
        cause: err,
        details,
      },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new VecdexError(
      'BACKEND_FAILURE',
      `cannot open ${file} (${message}); check that the directory exists and is writable`,
      {
        cause: err,
        details,
      },
    );
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new VecdexError('BACKEND_FAILURE', `${file}: the disk is full (${message})`, { cause: err, details });
  }
  return new VecdexError('BACKEND_FAILURE', `sqlitevec (${file}): ${message}`, { cause: err, details });
}

/** The message for a file SQLite cannot read as a database. */
export function notAStoreMessage(file: string, reason: string): string {
  return `${file} is not a vecdex store: it is not a SQLite database or it is corrupt (${reason}); the file was left untouched. Point the sqlitevec backend at another path, or restore the file from a backup`;
}

function sqliteCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}
