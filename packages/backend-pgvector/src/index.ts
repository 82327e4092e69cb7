/**
 * @vecdex/backend-pgvector: a vecdex storage backend on PostgreSQL with pgvector, through
 * node-postgres. One table per collection with a typed `vector(d)` (or `halfvec(d)`) column,
 * COPY ingest, and a change feed that stays correct when concurrent writers commit out of order.
 *
 * ```ts
 * // vecdex.config.ts
 * export default defineConfig({ backend: { use: 'pgvector', options: { connectionString: 'postgres://me@localhost/app' } } })
 *
 * // or directly
 * import { createPgVectorBackend } from '@vecdex/backend-pgvector'
 * const backend = await createPgVectorBackend({ connectionString: process.env.VECDEX_DB_URL, schema: 'vecdex' })
 * ```
 */
import { definePlugin } from '@vecdex/core';
import { PgConnection, poolConfig, serverLabel } from './connection.js';
import { toVecdexError } from './pg-errors.js';
import { detectPooler, type PoolerMode } from './pooler.js';
import { migrate } from './migrations.js';
import { openPgForInspection } from './open-for-inspection.js';
import { PgVectorBackend } from './pgvector-backend.js';
import {
  pgVectorOptionsFromEnv,
  resolvePgVectorOptions,
  type PgVectorOptions,
  type ResolvedPgVectorOptions,
} from './pgvector-options.js';

export { PgVectorBackend } from './pgvector-backend.js';
export type { PgVectorOptions, ResolvedPgVectorOptions, InsertPath } from './pgvector-options.js';
export { pgVectorOptionsFromEnv, resolvePgVectorOptions, DEFAULT_SCHEMA } from './pgvector-options.js';
export type { PgNativeAccess, PgCollectionTable, PgVectorType } from './native-access.js';
export type { PoolerMode, PoolerOption } from './pooler.js';
export type { ReplicaRouting } from './replicas/replica-router.js';
export type { ReplicaStats, SkipReason } from './replicas/replica.js';
export { SCHEMA_VERSION } from './migrations.js';
export { MAX_VECTOR_DIMENSIONS, MAX_HALFVEC_DIMENSIONS, METRIC_OPERATORS } from './schema.js';
export { compileFilter } from './filter-sql.js';

/**
 * Open a store: connect (a pool), install the `vector` extension if the database lacks it,
 * create or migrate the schema under an advisory lock. Throws a `VecdexError` naming the host
 * and port when the server cannot be reached.
 */
export async function createPgVectorBackend(options: PgVectorOptions = {}): Promise<PgVectorBackend> {
  const resolved = resolvePgVectorOptions(options);
  const pooler = resolved.pooler === 'auto' ? await detect(resolved) : resolved.pooler;
  const conn = new PgConnection(resolved, pooler);
  try {
    const names = await conn.guard(() => migrate(conn, resolved.schema));
    return new PgVectorBackend(conn, names, resolved);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
}

/** Pooler detection on one connection of its own; a failure to connect is reported like any other. */
async function detect(resolved: ResolvedPgVectorOptions): Promise<PoolerMode> {
  const config = poolConfig(resolved, resolved.connectionString, 'transaction');
  try {
    return await detectPooler(config);
  } catch (err) {
    throw toVecdexError(err, serverLabel(resolved.connectionString), resolved.statementTimeoutMs, resolved.queryTimeoutMs);
  }
}

/** The plugin: `backend: 'pgvector'` in a vecdex config. Env: `VECDEX_DB_URL`, `VECDEX_PG_SCHEMA`, `VECDEX_DB_REPLICAS`, PG*. */
export default definePlugin({
  kind: 'backend',
  name: 'pgvector',
  options: [
    'connectionString',
    'schema',
    'maxConnections',
    'connectionTimeoutMs',
    'statementTimeoutMs',
    'insertPath',
    'applicationName',
    'catalogCache',
    'replicas',
    'pooler',
    'replicaMaxLagMs',
    'replicaRetryMs',
    'clock',
  ],
  optionsFromEnv: pgVectorOptionsFromEnv,
  create: (options: PgVectorOptions) => createPgVectorBackend(options),
  openForInspection: (options: PgVectorOptions) => openPgForInspection(options),
});

export { openPgForInspection } from './open-for-inspection.js';
