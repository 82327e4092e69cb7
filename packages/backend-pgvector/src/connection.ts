import pg from 'pg';
import { VecdexError } from '@vecdex/core';
import { isQueryTimeout, toVecdexError, type ServerLabel } from './pg-errors.js';
import type { ResolvedPgVectorOptions } from './pgvector-options.js';
import { detectPooler, type PoolerMode } from './pooler.js';
import { ReplicaRouter } from './replicas/replica-router.js';

/** A pooled client, as the stores use it. */
export type PgClient = pg.PoolClient;

/** SQLSTATEs after which a whole write transaction is simply run again (it stored nothing). */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

/**
 * The pool and the guard every public call goes through: `STORE_CLOSED` after close, PostgreSQL
 * and socket errors mapped to `VecdexError`s, transactions that roll back on any error and hand
 * a broken client back to the pool with the error (so it is destroyed, never reused:
 * node-postgres#3399).
 */
export class PgConnection {
  readonly pool: pg.Pool;
  readonly server: ServerLabel;
  #closed = false;
  /** `BEGIN` of write transactions (plus `SET LOCAL statement_timeout` behind a pooler). */
  readonly #begin: { write: string; read: string };
  /** The same for a replica reached directly, and through a pooler. */
  readonly #replicaBegin: Record<PoolerMode, string>;

  /** Where reads go when `replicas` are configured; null without replicas. */
  readonly replicas: ReplicaRouter | null;

  /**
   * @param pooler `transaction` behind PgBouncer and the like: no session state is relied on
   * (statement_timeout is set per transaction, not as a startup parameter PgBouncer refuses).
   */
  constructor(
    readonly options: ResolvedPgVectorOptions,
    readonly pooler: PoolerMode = 'none',
  ) {
    this.pool = new pg.Pool(poolConfig(options, options.connectionString, pooler));
    this.#begin = beginSql(options, pooler);
    // An idle client whose server went away emits 'error'; unhandled, it would end the process
    // (node-postgres#2386). The pool drops that client; the next call connects again.
    this.pool.on('error', () => undefined);
    this.server = serverLabel(options.connectionString);
    this.#replicaBegin = { none: beginSql(options, 'none').read, transaction: beginSql(options, 'transaction').read };
    // Each replica URL may or may not go through a pooler of its own, whatever the primary's:
    // with `pooler: 'auto'` it is detected per replica on first use, otherwise the option holds.
    this.replicas =
      options.replicas.length === 0
        ? null
        : new ReplicaRouter(
            options.replicas.map((url) => {
              const l = serverLabel(url);
              return { url, label: `${l.host}:${l.port}/${l.database}` };
            }),
            {
              maxLagMs: options.replicaMaxLagMs,
              retryMs: options.replicaRetryMs,
              pooler: options.pooler === 'auto' ? null : options.pooler,
              detect: (url) => detectPooler(poolConfig(options, url, 'transaction')),
              makePool: (url, mode) => {
                const pool = new pg.Pool(poolConfig(options, url, mode));
                pool.on('error', () => undefined);
                return pool;
              },
            },
          );
  }

  /**
   * A read transaction that a replica may answer (searches, item reads): on a replica that has
   * replayed this instance's writes, else on the primary. See `ReplicaRouter`.
   */
  async replicaRead<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    if (this.replicas === null) return this.transaction(fn, 'read');
    return this.replicas.read(
      (client, pooler) => readTransactionOn(client, this.#replicaBegin[pooler], fn),
      () => this.transaction(fn, 'read'),
    );
  }

  /** A client for statements of the caller's own (native index searches), replica or primary as `replicaRead`. */
  async withReadClient<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    const onPrimary = async () => {
      const client = await this.pool.connect();
      try {
        const result = await fn(client);
        client.release();
        return result;
      } catch (err) {
        // A client that failed mid-statement is not reused (node-postgres#3399): destroy it.
        client.release(err instanceof Error ? err : true);
        throw err;
      }
    };
    return this.replicas === null ? onPrimary() : this.replicas.read(fn, onPrimary);
  }

  /** After a write of this instance: remember the primary's WAL position (read-your-writes). No-op without replicas. */
  async wrote(): Promise<void> {
    await this.replicas?.afterWrite(this.pool);
  }

  /** Settings for a connection of its own outside the pool (the catalog cache's listener). */
  clientConfig(applicationSuffix: string): pg.ClientConfig {
    const config: pg.ClientConfig = {
      connectionTimeoutMillis: this.options.connectionTimeoutMs,
      application_name: `${this.options.applicationName}${applicationSuffix}`.slice(0, 63),
      keepAlive: this.options.keepAlive,
      keepAliveInitialDelayMillis: this.options.keepAliveInitialDelayMs,
    };
    if (this.options.queryTimeoutMs > 0) config.query_timeout = this.options.queryTimeoutMs;
    if (this.options.connectionString !== null) config.connectionString = this.options.connectionString;
    return config;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Run one public call: refused after close, errors mapped. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new VecdexError(
        'STORE_CLOSED',
        `the pgvector store (${this.server.host}:${this.server.port}/${this.server.database}) is closed; open it again`,
        { details: { backend: 'pgvector' } },
      );
    }
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err);
    }
  }

  mapError(err: unknown): unknown {
    return toVecdexError(err, this.server, this.options.statementTimeoutMs, this.options.queryTimeoutMs);
  }

  /** One statement on any pooled connection. */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /**
   * Run `fn` in a transaction on one client. Read transactions are REPEATABLE READ READ ONLY, so
   * every statement sees one snapshot. A write that dies of a deadlock or a serialization
   * failure is run again (it stored nothing); any other error rolls back and is thrown.
   */
  async transaction<T>(
    fn: (client: PgClient) => Promise<T>,
    mode: 'write' | 'read' = 'write',
    beforeBegin?: (client: PgClient) => Promise<void>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(fn, mode, beforeBegin);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (mode === 'write' && typeof code === 'string' && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        // A read on a pooled connection the server had dropped (restart, terminate): the broken
        // client was destroyed, so run the read once more on a fresh one. Writes are not retried:
        // a connection lost during COMMIT leaves unknown whether it committed.
        if (mode === 'read' && attempt === 1 && isConnectionLost(err)) continue;
        throw err;
      }
    }
  }

  /**
   * Run `fn` in one REPEATABLE READ READ ONLY transaction on the primary: every statement it
   * runs on `client` sees the snapshot taken at its first one, however long it takes. Unlike
   * `transaction(fn, 'read')` it is never run a second time (`fn` may have done other work).
   */
  snapshot<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    return this.#once(fn, 'read', undefined);
  }

  async #once<T>(
    fn: (client: PgClient) => Promise<T>,
    mode: 'write' | 'read',
    beforeBegin: ((client: PgClient) => Promise<void>) | undefined,
  ): Promise<T> {
    const client = await this.pool.connect();
    // A client whose connection drops while checked out emits 'error' too.
    const onError = () => undefined;
    client.on('error', onError);
    let broken: unknown;
    try {
      if (beforeBegin !== undefined) await beforeBegin(client);
      await client.query(mode === 'read' ? this.#begin.read : this.#begin.write);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isQueryTimeout(err)) {
        // The server stopped answering: a ROLLBACK would wait as long again. Destroying the
        // connection ends the transaction on the server (rolled back) once it sees the close.
        broken = err;
        throw err;
      }
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = err; // the connection is gone or unusable: destroy it
      }
      const code = (err as { code?: unknown }).code;
      if (code === '57014') broken = err; // cancelled by statement_timeout: do not reuse (node-postgres#3399)
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    }
  }

  /** Close the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.replicas?.close();
    await this.pool.end();
  }
}

/** BEGIN statements; behind a pooler they carry the statement timeout (validated integer, not user text). */
function beginSql(options: ResolvedPgVectorOptions, pooler: PoolerMode): { write: string; read: string } {
  const local =
    pooler === 'transaction' && options.statementTimeoutMs > 0
      ? `; SET LOCAL statement_timeout = ${options.statementTimeoutMs}`
      : '';
  return { write: `BEGIN${local}`, read: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY${local}` };
}

/** Pool settings for one server (the primary or a replica). */
export function poolConfig(options: ResolvedPgVectorOptions, connectionString: string | null, pooler: PoolerMode): pg.PoolConfig {
  const config: pg.PoolConfig = {
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    application_name: options.applicationName,
    keepAlive: options.keepAlive,
    keepAliveInitialDelayMillis: options.keepAliveInitialDelayMs,
    // Idle pooled connections do not keep the process alive (a CLI run ends when its work does).
    allowExitOnIdle: true,
  };
  if (connectionString !== null) config.connectionString = connectionString;
  // PgBouncer refuses statement_timeout as a startup parameter: behind it, SET LOCAL per transaction.
  if (options.statementTimeoutMs > 0 && pooler === 'none') config.statement_timeout = options.statementTimeoutMs;
  if (options.queryTimeoutMs > 0) config.query_timeout = options.queryTimeoutMs;
  return config;
}

/** A REPEATABLE READ READ ONLY transaction on a client the caller releases (a replica's). */
async function readTransactionOn<T>(client: PgClient, begin: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  await client.query(begin);
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The connection itself failed (as opposed to the statement). */
function isConnectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  // A connect that timed out is not a lost connection: trying again would only double the wait.
  if (err instanceof Error && /connection timeout/i.test(err.message)) return false;
  return err instanceof Error && /Connection terminated|Client has encountered a connection error/i.test(err.message);
}

/** Host, port and database the pool connects to, for messages (node-postgres's own defaults). */
export function serverLabel(connectionString: string | null): ServerLabel {
  const env = process.env;
  let host = env.PGHOST || 'localhost';
  let port = Number(env.PGPORT) || 5432;
  let database = env.PGDATABASE || env.PGUSER || env.USER || 'postgres';
  if (connectionString !== null) {
    try {
      const url = new URL(connectionString);
      host = decodeURIComponent(url.hostname) || host;
      port = Number(url.port) || 5432;
      const db = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (db !== '') database = db;
    } catch {
      // node-postgres parses more forms than WHATWG URL; keep the defaults for the message.
    }
  }
  return { host, port, database };
}
