import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { VecdexError } from '@vecdex/core';
import { migrate, readHeader, checkHeader, requireCurrentSchema } from './migrations.js';
import { MEMORY_PATH, type ResolvedSqliteVecOptions } from './sqlitevec-options.js';
import { notAStoreMessage, toVecdexError } from './sqlite-errors.js';
import { distanceInDouble } from './double-distance.js';
import { registerVectorFunctions } from './vector-codec.js';

type Db = BetterSqlite3.Database;

/** Every SQLite 3 file starts with these 16 bytes. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * Open (creating if needed) a vecdex store: load better-sqlite3 and sqlite-vec, refuse files
 * that are not ours before writing a byte to them, set pragmas, and migrate the schema.
 */
export async function openDatabase(options: ResolvedSqliteVecOptions): Promise<Db> {
  const Database = await loadBetterSqlite3();
  const sqliteVec = await loadSqliteVec();
  const file = options.path;
  const memory = file === MEMORY_PATH;
  if (!memory) prepareFile(file, options.readonly);

  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly, fileMustExist: options.readonly, timeout: options.busyTimeoutMs });
  } catch (err) {
    throw toVecdexError(err, file);
  }
  try {
    // Read the header first: a file SQLite cannot read fails here as STORE_CORRUPT, and a foreign
    // database is refused before any pragma that writes (journal_mode) touches it.
    checkHeader(readHeader(db), file);
    loadExtension(db, sqliteVec);
    registerVectorFunctions(db);
    db.function('vecdex_distance', { deterministic: true }, distanceInDouble);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    // Read the file through a memory map (see `SqliteVecOptions.mmapSizeBytes`): vec0's KNN scan
    // then costs no system call per overflow page. Per connection; SQLite caps it at its
    // compile-time maximum.
    if (!memory) db.pragma(`mmap_size = ${options.mmapSizeBytes}`);
    if (options.readonly) {
      requireCurrentSchema(db, file);
    } else {
      if (!memory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
      migrate(db, file);
    }
    return db;
  } catch (err) {
    db.close();
    throw toVecdexError(err, file);
  }
}

/**
 * Refuse an existing file that does not start with the SQLite header (SQLite itself would only
 * notice at the first read, after we had asked it to switch journal modes). An empty file is a
 * new store. Creates the parent directory of a new store.
 */
function prepareFile(file: string, readonly: boolean): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toVecdexError(err, file);
    if (readonly) {
      throw new VecdexError('NOT_SUPPORTED', `${file} does not exist, and a read-only open cannot create it`, {
        details: { path: file },
      });
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return;
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n === 0) return;
    if (n < head.length || !head.equals(SQLITE_MAGIC)) {
      throw new VecdexError('STORE_CORRUPT', notAStoreMessage(file, 'no SQLite header'), { details: { path: file } });
    }
  } finally {
    fs.closeSync(fd);
  }
}

interface SqliteVecModule {
  load(db: { loadExtension(file: string, entrypoint?: string): void }): void;
}

function loadExtension(db: Db, sqliteVec: SqliteVecModule): void {
  try {
    sqliteVec.load(db);
  } catch (err) {
    throw missing(`the sqlite-vec extension could not be loaded (${(err as Error).message})`, err);
  }
  let version: unknown;
  try {
    version = db.prepare('SELECT vec_version()').pluck().get();
  } catch (err) {
    if (!/no such function/i.test((err as Error).message)) throw err;
    throw missing('sqlite-vec loaded but vec_version() is not available', err);
  }
  if (typeof version !== 'string' || !version.startsWith('v0.1.')) {
    throw missing(`sqlite-vec ${String(version)} is loaded, but this package is built for v0.1.x`);
  }
}

async function loadBetterSqlite3(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (err) {
    throw missing(`better-sqlite3 could not be loaded (${(err as Error).message})`, err);
  }
}

async function loadSqliteVec(): Promise<SqliteVecModule> {
  try {
    return (await import('sqlite-vec')) as SqliteVecModule;
  } catch (err) {
    throw missing(`sqlite-vec could not be loaded (${(err as Error).message})`, err);
  }
}

function missing(reason: string, cause?: unknown): VecdexError {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const platformPackage = `sqlite-vec-${os}-${process.arch}`;
  return new VecdexError(
    'MISSING_NATIVE_DEPENDENCY',
    `backend "sqlitevec": ${reason}. Install the native parts with \`npm install better-sqlite3 sqlite-vec ${platformPackage}\` (sqlite-vec ships prebuilt for linux/macOS x64+arm64 and windows x64; better-sqlite3 needs a prebuilt binary or a C++ toolchain)`,
    { cause, details: { platformPackage } },
  );
}
