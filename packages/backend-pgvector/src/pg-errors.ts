import { VecdexError, isVecdexError } from '@vecdex/core';

/** Where the backend connects, for messages (never the password). */
export interface ServerLabel {
  host: string;
  port: number;
  database: string;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/**
 * Turn an error from node-postgres (a `DatabaseError` with a SQLSTATE `code`, or a socket error)
 * into a `VecdexError` whose message says what happened where and what to do. Vecdex errors pass
 * through. Every write runs in one transaction, so a message may promise that a failed write
 * stored nothing.
 */
export function toVecdexError(err: unknown, server: ServerLabel, statementTimeoutMs: number, queryTimeoutMs = 0): unknown {
  if (isVecdexError(err)) return err;
  if (typeof err !== 'object' || err === null) return err;
  const code = typeof (err as { code?: unknown }).code === 'string' ? ((err as { code: string }).code as string) : '';
  const message = (err as Error).message ?? String(err);
  const where = `PostgreSQL at ${server.host}:${server.port} (database "${server.database}")`;
  const details = { backend: 'pgvector', host: server.host, port: server.port, database: server.database, pgCode: code || null };

  if (isQueryTimeout(err)) {
    return new VecdexError(
      'BACKEND_FAILURE',
      `${where} did not answer a statement within queryTimeoutMs (${queryTimeoutMs} ms): the server is stopped, overloaded or unreachable. The connection was discarded (the next call opens a new one) and a write cut off before its COMMIT stored nothing; check the server and retry, or raise the backend's queryTimeoutMs option for statements that run longer`,
      { cause: err, details: { ...details, reason: 'query-timeout', queryTimeoutMs } },
    );
  }
  if (CONNECT_CODES.has(code) || /timeout expired|connection timeout|timeout exceeded when trying to connect/i.test(message)) {
    return new VecdexError(
      'BACKEND_FAILURE',
      `cannot connect to ${where}: ${message}. Start the server (or check the host and port), or point vecdex at another one with VECDEX_DB_URL or the backend's connectionString option`,
      { cause: err, details },
    );
  }
  if (code === '57014') {
    const why = statementTimeoutMs > 0 ? `the statement timeout (statementTimeoutMs: ${statementTimeoutMs})` : 'a cancel request';
    return new VecdexError(
      'BACKEND_FAILURE',
      `${where}: a statement was cancelled by ${why}; the transaction was rolled back, so nothing of this call was stored. Retry with smaller batches or raise statementTimeoutMs`,
      { cause: err, details },
    );
  }
  if (
    LOST_CODES.has(code) ||
    /Connection terminated|connection.*(closed|ended)|terminating connection|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new VecdexError(
      'BACKEND_FAILURE',
      `lost the connection to ${where} (${message}); the transaction in flight was rolled back by the server, so nothing of this call was stored. Check that the server is up and retry`,
      { cause: err, details },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new VecdexError(
      'BACKEND_FAILURE',
      `${where} refused the login (${message}); check the user and password in VECDEX_DB_URL / connectionString or PGUSER / PGPASSWORD`,
      { cause: err, details },
    );
  }
  if (code === '3D000') {
    return new VecdexError(
      'BACKEND_FAILURE',
      `${where}: ${message}; create the database first (createdb) or connect to another one`,
      {
        cause: err,
        details,
      },
    );
  }
  if (code === '22P05' || code === '22021' || code === '54000') {
    return new VecdexError(
      'INVALID_ITEM',
      `${where} refused a value (${message}); PostgreSQL text and jsonb cannot hold the NUL character (\\u0000) or an unpaired surrogate (\\ud800-\\udfff); remove them from content and metadata`,
      { cause: err, details },
    );
  }
  if (code === '22003') {
    return new VecdexError(
      'INVALID_VECTOR',
      `${where} refused a number (${message}); collections above 2,000 dimensions are stored as halfvec, whose values must lie within ±65504`,
      { cause: err, details },
    );
  }
  if (code === '42P01') {
    return new VecdexError(
      'UNKNOWN_COLLECTION',
      `${where}: a table this call needed is gone (${message}): the collection was deleted by another process while the call ran; list the collections and retry`,
      { cause: err, details },
    );
  }
  if (code === '42501') {
    return new VecdexError(
      'BACKEND_FAILURE',
      `${where}: permission denied (${message}); grant the user rights on the vecdex schema or use another schema`,
      {
        cause: err,
        details,
      },
    );
  }
  if (code !== '' || err instanceof Error) {
    return new VecdexError('BACKEND_FAILURE', `pgvector (${where}): ${message}`, { cause: err, details });
  }
  return err;
}

/** node-postgres gave up waiting for a statement's answer (`query_timeout`). */
export function isQueryTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}
