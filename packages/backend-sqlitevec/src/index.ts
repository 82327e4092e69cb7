/**
 * @vecdex/backend-sqlitevec: a vecdex storage backend on one SQLite file (or `:memory:`) with
 * the sqlite-vec extension, through better-sqlite3. No server, no setup.
 *
 * ```ts
 * // vecdex.config.ts
 * export default defineConfig({ backend: { use: 'sqlitevec', options: { path: './vecdex.db' } } })
 *
 * // or directly
 * import { createSqliteVecBackend } from '@vecdex/backend-sqlitevec'
 * const backend = await createSqliteVecBackend({ path: ':memory:' })
 * ```
 */
import { definePlugin } from '@vecdex/core';
import type { BackendCreateContext } from '@vecdex/core';
import { openDatabase } from './open-database.js';
import { openSqliteForInspection } from './open-for-inspection.js';
import { diagnoseAddons } from './addon-diagnosis.js';
import { SqliteVecBackend } from './sqlitevec-backend.js';
import { resolveSqliteVecOptions, sqliteVecOptionsFromEnv, type SqliteVecOptions } from './sqlitevec-options.js';

export { SqliteVecBackend, SQLITEVEC_CAPABILITIES } from './sqlitevec-backend.js';
export type { SqliteVecOptions, ResolvedSqliteVecOptions } from './sqlitevec-options.js';
export { SCHEMA_VERSION } from './migrations.js';
export { APPLICATION_ID, MAX_DIMENSIONS, MAX_KNN_K } from './schema.js';
export { compileFilter, type SqlFragment } from './filter-sql.js';

/**
 * Open a store: create the file if needed, load sqlite-vec, migrate the schema. Relative paths
 * resolve against `context.baseDir` (default: the current directory).
 */
export async function createSqliteVecBackend(
  options: SqliteVecOptions = {},
  context?: BackendCreateContext,
): Promise<SqliteVecBackend> {
  const resolved = resolveSqliteVecOptions(options, context);
  const db = await openDatabase(resolved);
  return new SqliteVecBackend(db, resolved);
}

/** The plugin: `backend: 'sqlitevec'` in a vecdex config. Env: `VECDEX_SQLITE_PATH`. */
export default definePlugin({
  kind: 'backend',
  name: 'sqlitevec',
  options: ['path', 'clock', 'busyTimeoutMs', 'readonly', 'mmapSizeBytes', 'exactSearchMemoryBytes'],
  optionsFromEnv: sqliteVecOptionsFromEnv,
  create: (options: SqliteVecOptions, context: BackendCreateContext) => createSqliteVecBackend(options, context),
  openForInspection: (options: SqliteVecOptions, context: BackendCreateContext) => openSqliteForInspection(options, context),
  diagnose: diagnoseAddons,
});

export { openSqliteForInspection } from './open-for-inspection.js';
