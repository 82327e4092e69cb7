import { CliError } from './cli-error.js';

/** The part of better-sqlite3 the CLI's SQLite readers use (its own types are not imported: see STYLE.md). */
export interface SqliteStatement {
  readonly reader: boolean;
  columns(): { name: string }[];
  all(...params: unknown[]): Record<string, unknown>[];
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
  get(...params: unknown[]): Record<string, unknown> | undefined;
}
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}
export type SqliteDatabaseCtor = new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;

/**
 * better-sqlite3's constructor, loaded on first use (the `--sql` source, `import-llm`);
 * `MISSING_NATIVE_DEPENDENCY` when the native module does not load.
 */
export async function loadSqlite(): Promise<SqliteDatabaseCtor> {
  try {
    // A variable specifier: only the structural types above are used, not the library's own.
    const pkg = 'better-sqlite3';
    return ((await import(pkg)) as { default: SqliteDatabaseCtor }).default;
  } catch (err) {
    throw new CliError('MISSING_NATIVE_DEPENDENCY', `better-sqlite3 failed to load: ${(err as Error).message}`, { cause: err });
  }
}
