import type { PgCollectionTable, PgNativeAccess } from '../native-access.js';
import type pg from 'pg';
import { isQueryTimeout } from '../pg-errors.js';
import { MAX_TIMER_MS } from '../pgvector-options.js';
import { buildingName } from './index-name.js';
import {
  autoLists,
  type HnswNativeParams,
  type IvfflatNativeParams,
  type NativeMethod,
  type NativeParams,
} from './native-params.js';

/** How often build progress is read from `pg_stat_progress_create_index`. */
const PROGRESS_INTERVAL_MS = 1000;

export interface BuildRequest {
  access: PgNativeAccess;
  table: PgCollectionTable;
  /** Generated index name (see `nativeIndexName`). */
  name: string;
  method: NativeMethod;
  params: NativeParams;
  opclass: string;
  /** What is indexed: the vector column, or an expression of it (a compressed index). */
  indexed: string;
  onProgress?: (done: number) => void;
}

export interface BuildResult {
  /** Rows in the table when the index was built. */
  rows: number;
  /** IVFFlat lists actually used (given or sized from the rows); null for HNSW. */
  lists: number | null;
  /** NOTICEs PostgreSQL raised during the build (e.g. the graph outgrew maintenance_work_mem). */
  notices: string[];
}

/**
 * `CREATE INDEX` under a temporary name, then swap it for the live one, all in one transaction:
 * a failed or interrupted build leaves the previous index as it was, and never an INVALID index
 * that a later `IF NOT EXISTS` would skip (pgvector#925). Writers wait for the build (the table
 * is locked SHARE); readers do not.
 */
export async function buildNativeIndex(req: BuildRequest): Promise<BuildResult> {
  const { access, table, name } = req;
  const schema = quoteIdent(access.schema);
  const temp = buildingName(name);
  const client = await access.pool.connect();
  const notices: string[] = [];
  const onNotice = (n: { message?: string }) => {
    if (n.message !== undefined) notices.push(n.message);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.query(`BEGIN; SET LOCAL maintenance_work_mem = '${req.params.maintenanceWorkMemMB}MB'`);
    // SHARE ROW EXCLUSIVE: no writes between the row count and the build, and builds of the same
    // table queue instead of deadlocking.
    await client.query(`LOCK TABLE ${table.table} IN SHARE ROW EXCLUSIVE MODE`);
    const counted = await client.query<{ n: string; pid: number }>(
      `SELECT count(*) AS n, pg_backend_pid() AS pid FROM ${table.table}`,
    );
    const rows = Number(counted.rows[0]?.n ?? 0);
    const pid = counted.rows[0]?.pid;
    let withClause: string;
    let lists: number | null = null;
    if (req.method === 'hnsw') {
      const p = req.params as HnswNativeParams;
      withClause = `m = ${p.m}, ef_construction = ${p.efConstruction}`;
    } else {
      lists = (req.params as IvfflatNativeParams).lists ?? autoLists(rows);
      withClause = `lists = ${lists}`;
    }
    if (req.onProgress !== undefined && pid !== undefined) timer = pollProgress(access, pid, req.onProgress);
    await client.query(`DROP INDEX IF EXISTS ${schema}.${quoteIdent(temp)}`);
    client.on('notice', onNotice); // only the build's own NOTICEs, not DROP ... IF EXISTS chatter
    await client.query({
      text: `CREATE INDEX ${quoteIdent(temp)} ON ${table.table} USING ${req.method} (${req.indexed} ${req.opclass}) WITH (${withClause})`,
      // A build may take hours: not bounded by queryTimeoutMs (statementTimeoutMs still applies).
      query_timeout: MAX_TIMER_MS,
    } as pg.QueryConfig);
    client.off('notice', onNotice);
    await client.query(`DROP INDEX IF EXISTS ${schema}.${quoteIdent(name)}`);
    await client.query(`ALTER INDEX ${schema}.${quoteIdent(temp)} RENAME TO ${quoteIdent(name)}`);
    await client.query('COMMIT');
    req.onProgress?.(rows);
    client.release();
    return { rows, lists, notices };
  } catch (error) {
    // After a timeout the server is not answering: a ROLLBACK would only wait as long again.
    if (!isQueryTimeout(error)) await client.query('ROLLBACK').catch(() => undefined);
    client.release(error instanceof Error ? error : true);
    throw error;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    client.off('notice', onNotice);
  }
}

/** Report `tuples_done` of the build's backend while it runs (a second pooled connection). */
function pollProgress(access: PgNativeAccess, pid: number, onProgress: (done: number) => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    access.pool
      .query<{ done: string }>('SELECT tuples_done AS done FROM pg_stat_progress_create_index WHERE pid = $1', [pid])
      .then((r) => {
        const done = Number(r.rows[0]?.done ?? 0);
        if (done > 0) onProgress(done);
      })
      .catch(() => undefined); // progress is best effort; the build reports its own errors
  }, PROGRESS_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** A generated name or the backend's schema as an identifier (never user text, quoted anyway). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
