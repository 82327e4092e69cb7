import { existsSync, rmSync, statSync } from 'node:fs';
import { VecdexError, type BackendCreateContext } from '@vecdex/core';
import { openDatabase } from './open-database.js';
import { SqliteVecBackend } from './sqlitevec-backend.js';
import { MEMORY_PATH, resolveSqliteVecOptions, type SqliteVecOptions } from './sqlitevec-options.js';

/**
 * Open an existing store read-only for `vecdex doctor`, writing nothing: no file or directory
 * created, no migration, no journal-mode pragma. SQLite creates a WAL store's `-wal` and `-shm`
 * files when a read-only connection opens it after a clean shutdown (the last writer removed
 * them); when they were absent before and the WAL is still empty at close, they are removed
 * again, so the directory is left as it was found.
 */
export async function openSqliteForInspection(
  options: SqliteVecOptions = {},
  context?: BackendCreateContext,
): Promise<SqliteVecBackend> {
  const resolved = resolveSqliteVecOptions(options, context);
  const file = resolved.path;
  if (file === MEMORY_PATH) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      'an in-memory (":memory:") store lives only in the process that opened it: there is nothing to inspect',
      {
        details: { path: file },
      },
    );
  }
  if (!existsSync(file)) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `no store at ${file}: it is created by the first command that writes (or check backend.options.path / VECDEX_SQLITE_PATH)`,
      {
        details: { path: file },
      },
    );
  }
  const sidecars = [`${file}-wal`, `${file}-shm`];
  const absent = sidecars.every((f) => !existsSync(f));
  const created = absent ? sidecars : [];
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase({ ...resolved, readonly: true });
  } catch (err) {
    removeCreated(created); // openDatabase closed its connection before throwing
    throw err;
  }
  return new InspectedBackend(db, { ...resolved, readonly: true }, created);
}

/** Remove the `-wal` and `-shm` a read-only open created, when the WAL holds nothing. */
function removeCreated(created: readonly string[]): void {
  const [wal] = created;
  if (wal === undefined || !existsSync(wal) || statSync(wal).size !== 0) return;
  for (const f of created) rmSync(f, { force: true });
}

class InspectedBackend extends SqliteVecBackend {
  readonly #created: string[];

  constructor(
    db: ConstructorParameters<typeof SqliteVecBackend>[0],
    options: ConstructorParameters<typeof SqliteVecBackend>[1],
    created: string[],
  ) {
    super(db, options);
    this.#created = created;
  }

  override async close(): Promise<void> {
    await super.close();
    removeCreated(this.#created);
  }
}
