import type BetterSqlite3 from 'better-sqlite3';
import { VecdexError } from '@vecdex/core';
import { toVecdexError } from './sqlite-errors.js';
import { WalHeaderWatch } from './wal-header-watch.js';

export type Db = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[], unknown>;

const MAX_CACHED = 500;

/**
 * One open SQLite connection: a cache of prepared statements, the two kinds of transaction this
 * backend uses, and the guard every public call goes through (open? writable? SQLite errors
 * become `VecdexError`s). Shared by the stores.
 */
export class Connection {
  readonly #statements = new Map<string, Statement>();
  /**
   * One transaction wrapper for every call (`transaction(fn)` per call builds a new wrapper
   * each time, which was a measurable part of a small exact search).
   */
  readonly #transaction: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;
  #closed = false;
  /** Write calls made through this connection (see `changeToken`). */
  #localWrites = 0;
  /** `PRAGMA data_version`, plucked once (it runs on every query). */
  #dataVersion: Statement | null = null;
  /**
   * The `-shm` header watch that lets `changeToken` skip `data_version` while nothing was
   * committed; null where it cannot be used (memory, not WAL), undefined until first asked.
   */
  #wal: WalHeaderWatch | null | undefined;
  /** The last token made, with what it was made of, so an unchanged store makes no new string. */
  #token = { version: -1, writes: -1, text: '' };

  constructor(
    readonly db: Db,
    /** The file (or `:memory:`), for messages. */
    readonly file: string,
    readonly readonly: boolean,
  ) {
    this.#transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Run one public call: `STORE_CLOSED` after close, SQLite errors mapped. */
  guard<T>(fn: () => T): T {
    if (this.#closed) {
      throw new VecdexError('STORE_CLOSED', `the sqlitevec store ${this.file} is closed; open it again`, {
        details: { path: this.file },
      });
    }
    try {
      return fn();
    } catch (err) {
      throw toVecdexError(err, this.file);
    }
  }

  /** Like `guard`, and refused with `NOT_SUPPORTED` on a read-only store. */
  guardWrite<T>(fn: () => T): T {
    return this.guard(() => {
      if (this.readonly) {
        throw new VecdexError('NOT_SUPPORTED', `the sqlitevec store ${this.file} was opened read-only; writes are refused`, {
          details: { path: this.file },
        });
      }
      try {
        return fn();
      } finally {
        this.#localWrites++;
      }
    });
  }

  /**
   * A value that changes whenever the database may have changed since it was last read: SQLite's
   * `data_version` (which moves when *another* connection commits, in this process or any other)
   * plus the count of this connection's own write calls. Equal tokens mean nothing was committed
   * in between, so results read under the first are still current.
   */
  changeToken(): string {
    const last = this.#token;
    // One read of the WAL-index header first: unchanged, no connection committed since the
    // `data_version` below was last read (see WalHeaderWatch).
    if (this.#wal?.unchanged() === true && last.writes === this.#localWrites) return last.text;
    this.#dataVersion ??= this.db.prepare('PRAGMA data_version').pluck();
    const version = this.#dataVersion.get() as number;
    if (this.#wal === undefined) this.#wal = this.#watchWal();
    if (last.version === version && last.writes === this.#localWrites) return last.text;
    this.#token = { version, writes: this.#localWrites, text: `${version}:${this.#localWrites}` };
    return this.#token.text;
  }

  /** The `-shm` watch for a file database in WAL mode (after a read, so the `-shm` exists), else null. */
  #watchWal(): WalHeaderWatch | null {
    if (this.db.memory) return null;
    if (this.db.pragma('journal_mode', { simple: true }) !== 'wal') return null;
    return WalHeaderWatch.open(this.file);
  }

  /** Checkpoint the WAL into the main file (so it can be copied as one file) and close. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#dataVersion = null;
    this.#wal?.close();
    this.#wal = null;
    try {
      if (this.db.memory === false && !this.readonly) this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Another connection is reading: it checkpoints later. Not worth failing close over.
    }
    this.db.close();
  }

  /** A prepared statement, compiled once per SQL text. */
  prepare(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      // Filtered queries add one statement per filter shape: keep the cache bounded (oldest go first).
      if (this.#statements.size >= MAX_CACHED) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Forget statements that mention `fragment` (e.g. a dropped vec0 table). */
  forget(fragment: string): void {
    for (const sql of [...this.#statements.keys()]) if (sql.includes(fragment)) this.#statements.delete(sql);
  }

  /**
   * Run `fn` in a write transaction that takes the write lock at BEGIN (`BEGIN IMMEDIATE`):
   * a deferred transaction that upgrades to a write can fail with SQLITE_BUSY without waiting
   * (better-sqlite3#1067). When `fn` throws, everything it did is rolled back.
   */
  write<T>(fn: () => T): T {
    try {
      return this.#transaction.immediate(fn) as T;
    } finally {
      this.#localWrites++;
    }
  }

  /** Run `fn` in a read transaction, so every statement in it sees the same snapshot. */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.#transaction.deferred(fn) as T;
  }
}
