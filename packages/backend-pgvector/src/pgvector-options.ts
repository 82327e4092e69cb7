import { VecdexError, describeValue } from '@vecdex/core';
import type { PoolerOption } from './pooler.js';

/** How `upsert` sends items: `COPY` into a staging table (default), or one INSERT per item. */
export type InsertPath = 'copy' | 'insert';

/**
 * Options of the `pgvector` backend, as written in `vecdex.config.*`:
 *
 * ```ts
 * export default defineConfig({
 *   backend: { use: 'pgvector', options: { connectionString: 'postgres://me@db.internal/app', schema: 'vecdex' } },
 * })
 * ```
 *
 * Without `connectionString`, node-postgres reads the usual `PGHOST`, `PGPORT`, `PGUSER`,
 * `PGPASSWORD` and `PGDATABASE` variables (and their defaults: localhost:5432).
 */
export interface PgVectorOptions {
  /** `postgres://user:password@host:port/database`. Environment: `VECDEX_DB_URL`. */
  connectionString?: string;
  /** Schema holding vecdex's tables (created when missing). Default `vecdex`. Environment: `VECDEX_PG_SCHEMA`. */
  schema?: string;
  /** Most connections in the pool (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before failing (default 10000 ms). */
  connectionTimeoutMs?: number;
  /** Server-side `statement_timeout` for every statement, in ms (default 0: none). */
  statementTimeoutMs?: number;
  /**
   * Client-side bound on each statement, in ms (default 120000; 0: none): a server that stops
   * answering (a stopped process, a network partition) fails the call with `BACKEND_FAILURE`
   * instead of hanging it, and the connection is discarded. Native index builds are not bounded.
   */
  queryTimeoutMs?: number;
  /** TCP keepalive on every connection (default true), so a dead peer is noticed on idle sockets. */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe, in ms (default 10000). */
  keepAliveInitialDelayMs?: number;
  /**
   * How `upsert` sends items: `'copy'` (default) streams them with `COPY ... FROM STDIN` into a
   * temporary staging table and merges with one `INSERT ... ON CONFLICT`; `'insert'` runs one
   * parameterised INSERT per item (kept for benchmarks and comparisons).
   */
  insertPath?: InsertPath;
  /** `application_name` of the connections, as `pg_stat_activity` shows it (default `vecdex`). */
  applicationName?: string;
  /**
   * Keep collection definitions in memory, invalidated by LISTEN/NOTIFY (default true): saves a
   * round trip per search. One extra connection listens. Set false where LISTEN cannot work
   * (a transaction-pooling PgBouncer); every lookup then reads the server.
   */
  catalogCache?: boolean;
  /**
   * Streaming replicas (hot standbys of the primary) that take searches and item reads:
   * `['postgres://me@replica1/app', ...]`. Writes, the change feed, the index catalog and scans
   * stay on the primary. After a write, this instance reads from a replica only once it has
   * replayed the write (read-your-writes), else from the primary. Environment:
   * `VECDEX_DB_REPLICAS` (comma-separated URLs).
   */
  replicas?: string[];
  /**
   * Whether connections go through a transaction-pooling PgBouncer (or another pooler):
   * `'auto'` (default) detects it on open; `'transaction'` or `'none'` say so. Behind a pooler
   * vecdex keeps no session state between transactions (no LISTEN: `catalogCache` is off; the
   * COPY staging table lives in the write's transaction; `statementTimeoutMs` is set per
   * transaction). Environment: `VECDEX_PG_POOLER`.
   */
  pooler?: PoolerOption;
  /** A replica whose replay lags more than this, in ms, is skipped (default 10000). */
  replicaMaxLagMs?: number;
  /** How long a replica that failed is left alone before it is tried again, in ms (default 5000). */
  replicaRetryMs?: number;
  /**
   * Wall clock in ms (default `Date.now`). Only used for the human-readable `modified`/`createdAt`
   * fields; the change feed never depends on it. Injectable for tests.
   */
  clock?: () => number;
}

/** Options after defaults were applied. */
export interface ResolvedPgVectorOptions {
  connectionString: string | null;
  schema: string;
  maxConnections: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  insertPath: InsertPath;
  applicationName: string;
  catalogCache: boolean;
  replicas: string[];
  pooler: PoolerOption;
  replicaMaxLagMs: number;
  replicaRetryMs: number;
  clock: () => number;
}

export const DEFAULT_SCHEMA = 'vecdex';
export const DEFAULT_MAX_CONNECTIONS = 10;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 120_000;
export const DEFAULT_KEEPALIVE_INITIAL_DELAY_MS = 10_000;
export const DEFAULT_REPLICA_MAX_LAG_MS = 10_000;
export const DEFAULT_REPLICA_RETRY_MS = 5_000;

/** The longest delay a Node timer takes (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Schema names: a letter or underscore, then letters, digits, underscores; at most 63 bytes (PostgreSQL's limit). */
const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Options taken from the environment; they override the config file. Never log them (passwords). */
export function pgVectorOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<PgVectorOptions> {
  const out: Partial<PgVectorOptions> = {};
  const url = env.VECDEX_DB_URL;
  if (url !== undefined && url.trim() !== '') out.connectionString = url.trim();
  const schema = env.VECDEX_PG_SCHEMA;
  if (schema !== undefined && schema.trim() !== '') out.schema = schema.trim();
  const pooler = env.VECDEX_PG_POOLER?.trim();
  if (pooler !== undefined && pooler !== '') out.pooler = pooler as PoolerOption;
  const replicas = env.VECDEX_DB_REPLICAS;
  if (replicas !== undefined && replicas.trim() !== '') {
    out.replicas = replicas
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
  }
  return out;
}

/**
 * Check option types (they come from a config file or the environment, so anything goes) and
 * apply defaults. Throws `CONFIG_INVALID` naming the option; never echoes a connection string.
 */
export function resolvePgVectorOptions(options: unknown): ResolvedPgVectorOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) invalid('options', 'an object', options);
  const o = options as Record<string, unknown>;

  const url = o.connectionString ?? null;
  if (url !== null && (typeof url !== 'string' || url.trim() === '')) {
    invalid('connectionString', 'a postgres:// URL', typeof url === 'string' ? url : `a ${typeof url}`);
  }
  if (typeof url === 'string' && !/^postgres(ql)?:\/\//.test(url.trim())) {
    invalid('connectionString', 'a URL starting with postgres:// or postgresql://', 'another kind of string');
  }

  const schema = o.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== 'string' || !SCHEMA_RE.test(schema)) {
    invalid('schema', 'a schema name of letters, digits and underscores (not starting with a digit, at most 63)', schema);
  }

  const maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!isInt(maxConnections) || maxConnections < 1) invalid('maxConnections', 'a positive integer', maxConnections);

  const connectionTimeoutMs = o.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  if (!isInt(connectionTimeoutMs) || connectionTimeoutMs < 1) {
    invalid('connectionTimeoutMs', 'a positive integer (milliseconds)', connectionTimeoutMs);
  }

  const statementTimeoutMs = o.statementTimeoutMs ?? 0;
  if (!isInt(statementTimeoutMs) || statementTimeoutMs < 0) {
    invalid('statementTimeoutMs', 'a non-negative integer (milliseconds; 0 for none)', statementTimeoutMs);
  }

  const queryTimeoutMs = o.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  if (!isInt(queryTimeoutMs) || queryTimeoutMs < 0 || queryTimeoutMs > MAX_TIMER_MS) {
    invalid('queryTimeoutMs', `a non-negative integer (milliseconds, at most ${MAX_TIMER_MS}; 0 for none)`, queryTimeoutMs);
  }

  const keepAlive = o.keepAlive ?? true;
  if (typeof keepAlive !== 'boolean') invalid('keepAlive', 'true or false', keepAlive);

  const keepAliveInitialDelayMs = o.keepAliveInitialDelayMs ?? DEFAULT_KEEPALIVE_INITIAL_DELAY_MS;
  if (!isInt(keepAliveInitialDelayMs) || keepAliveInitialDelayMs < 0) {
    invalid('keepAliveInitialDelayMs', 'a non-negative integer (milliseconds)', keepAliveInitialDelayMs);
  }

  const insertPath = o.insertPath ?? 'copy';
  if (insertPath !== 'copy' && insertPath !== 'insert') invalid('insertPath', '"copy" or "insert"', insertPath);

  const applicationName = o.applicationName ?? 'vecdex';
  if (typeof applicationName !== 'string' || !/^[\x20-\x7e]{1,63}$/.test(applicationName)) {
    invalid('applicationName', 'printable ASCII, 1 to 63 characters', applicationName);
  }

  const catalogCache = o.catalogCache ?? true;
  if (typeof catalogCache !== 'boolean') invalid('catalogCache', 'true or false', catalogCache);

  const replicas = o.replicas ?? [];
  if (!Array.isArray(replicas)) invalid('replicas', 'a list of postgres:// URLs', replicas);
  for (const [i, r] of (replicas as unknown[]).entries()) {
    if (typeof r !== 'string' || !/^postgres(ql)?:\/\//.test(r.trim())) {
      invalid(
        `replicas[${i}]`,
        'a URL starting with postgres:// or postgresql://',
        typeof r === 'string' ? 'another kind of string' : r,
      );
    }
  }

  const pooler = o.pooler ?? 'auto';
  if (pooler !== 'auto' && pooler !== 'none' && pooler !== 'transaction')
    invalid('pooler', '"auto", "none" or "transaction"', pooler);

  const replicaMaxLagMs = o.replicaMaxLagMs ?? DEFAULT_REPLICA_MAX_LAG_MS;
  if (!isInt(replicaMaxLagMs) || replicaMaxLagMs < 0)
    invalid('replicaMaxLagMs', 'a non-negative integer (milliseconds)', replicaMaxLagMs);

  const replicaRetryMs = o.replicaRetryMs ?? DEFAULT_REPLICA_RETRY_MS;
  if (!isInt(replicaRetryMs) || replicaRetryMs < 0)
    invalid('replicaRetryMs', 'a non-negative integer (milliseconds)', replicaRetryMs);

  const clock = o.clock ?? Date.now;
  if (typeof clock !== 'function') invalid('clock', 'a function returning milliseconds', clock);

  return {
    connectionString: url === null ? null : (url as string).trim(),
    schema,
    maxConnections,
    connectionTimeoutMs,
    statementTimeoutMs,
    queryTimeoutMs,
    keepAlive,
    keepAliveInitialDelayMs,
    insertPath,
    applicationName,
    catalogCache,
    replicas: (replicas as string[]).map((r) => r.trim()),
    pooler,
    replicaMaxLagMs,
    replicaRetryMs,
    clock: clock as () => number,
  };
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function invalid(name: string, expected: string, got: unknown): never {
  throw new VecdexError('CONFIG_INVALID', `backend "pgvector": option ${name} must be ${expected}, got ${describeValue(got)}`, {
    details: { backend: 'pgvector', option: name },
  });
}
