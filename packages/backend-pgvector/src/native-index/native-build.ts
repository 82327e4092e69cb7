import type { PgCollectionTable, PgNativeAccess } from '../native-access.js';
import type pg from 'pg';
import { isQueryTimeout } from '../pg-errors.js';
import { MAX_TIMER_MS } from '../pgvector-options.js';
import { planBuildMemory, type BuildMemory } from './build-memory.js';
import { buildingName } from './index-name.js';
import { findIndex } from './native-catalog.js';
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
  /** NOTICEs PostgreSQL raised during the build (e.g. the graph outgrew maintenance_work_mem), and vecdex's own. */
  notices: string[];
  /** Whether it was built with CREATE INDEX CONCURRENTLY (writes went on). */
  concurrent: boolean;
  /** The maintenance_work_mem it got. */
  maintenanceWorkMemMB: number;
}

/**
 * Build the index under a temporary name and swap it for the live one. Two ways:
 *
 * - **In one transaction** (a first build, or behind a transaction pooler): `SET LOCAL` the
 *   memory and workers, lock the table against writes (SHARE ROW EXCLUSIVE: readers go on),
 *   `CREATE INDEX`, drop the old index, rename. A failed or interrupted build leaves the previous
 *   index as it was, and never an INVALID index that a later `IF NOT EXISTS` would skip
 *   (pgvector#925).
 * - **Concurrently** (a rebuild while the index exists, on a direct connection): `CREATE INDEX
 *   CONCURRENTLY` on a connection of its own (session `SET`s, discarded with the connection
 *   afterwards), so writes go on during the build; then drop the old index and rename in a short
 *   transaction. A concurrent build that was cancelled or killed leaves an INVALID index under the
 *   temporary name: the next build finds it (`pg_index.indisvalid`), reports it and replaces it.
 *   A failed build drops its own leftover when it can.
 *
 * `maintenance_work_mem` is sized from the estimated graph (see `planBuildMemory`), which refuses
 * a build that cannot fit before anything runs.
 */
export async function buildNativeIndex(req: BuildRequest): Promise<BuildResult> {
  const live = await findIndex(req.access, req.table, req.name);
  const concurrent = live !== null && live.valid && req.access.pooler === 'none';
  if (concurrent) return buildConcurrently(req);
  const built = await buildInTransaction(req);
  if (live !== null && !live.valid)
    built.notices.unshift(`replaced INVALID index ${req.name} (left by a cancelled or killed build)`);
  return built;
}

async function buildInTransaction(req: BuildRequest): Promise<BuildResult> {
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
    await client.query('BEGIN');
    // SHARE ROW EXCLUSIVE: no writes between the row count and the build, and builds of the same
    // table queue instead of deadlocking.
    await client.query(`LOCK TABLE ${table.table} IN SHARE ROW EXCLUSIVE MODE`);
    const { rows, pid } = await countForBuild(client, table);
    const plan = planFor(req, rows);
    if (plan.memory.warning !== null) notices.push(plan.memory.warning);
    await client.query(settingsSql(plan, 'LOCAL'));
    if (req.onProgress !== undefined && pid !== undefined) timer = pollProgress(access, pid, req.onProgress);
    const leftover = await findIndex(access, table, temp);
    if (leftover !== null) notices.push(leftoverNotice(temp, leftover.valid));
    await client.query(`DROP INDEX IF EXISTS ${schema}.${quoteIdent(temp)}`);
    client.on('notice', onNotice); // only the build's own NOTICEs, not DROP ... IF EXISTS chatter
    await client.query({
      text: createSql(req, temp, plan.withClause, ''),
      // A build may take hours: not bounded by queryTimeoutMs (statementTimeoutMs still applies).
      query_timeout: MAX_TIMER_MS,
    } as pg.QueryConfig);
    client.off('notice', onNotice);
    await client.query(`DROP INDEX IF EXISTS ${schema}.${quoteIdent(name)}`);
    await client.query(`ALTER INDEX ${schema}.${quoteIdent(temp)} RENAME TO ${quoteIdent(name)}`);
    await client.query('COMMIT');
    req.onProgress?.(rows);
    client.release();
    return { rows, lists: plan.lists, notices, concurrent: false, maintenanceWorkMemMB: plan.memory.maintenanceWorkMemMB };
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

async function buildConcurrently(req: BuildRequest): Promise<BuildResult> {
  const { access, table, name } = req;
  const schema = quoteIdent(access.schema);
  const temp = buildingName(name);
  const client = await access.pool.connect();
  const notices: string[] = [];
  const onNotice = (n: { message?: string }) => {
    if (n.message !== undefined) notices.push(n.message);
  };
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  try {
    const { rows, pid } = await countForBuild(client, table);
    const plan = planFor(req, rows);
    if (plan.memory.warning !== null) notices.push(plan.memory.warning);
    const leftover = await findIndex(access, table, temp);
    if (leftover !== null) {
      notices.push(leftoverNotice(temp, leftover.valid));
      await client.query({
        text: `DROP INDEX CONCURRENTLY IF EXISTS ${schema}.${quoteIdent(temp)}`,
        query_timeout: MAX_TIMER_MS,
      } as pg.QueryConfig);
    }
    // Session settings on this connection only; it is destroyed afterwards, never reused.
    await client.query(settingsSql(plan, 'SESSION'));
    if (req.onProgress !== undefined && pid !== undefined) timer = pollProgress(access, pid, req.onProgress);
    client.on('notice', onNotice);
    started = true;
    await client.query({
      text: createSql(req, temp, plan.withClause, 'CONCURRENTLY'),
      query_timeout: MAX_TIMER_MS,
    } as pg.QueryConfig);
    client.off('notice', onNotice);
    await client.query(
      `BEGIN; DROP INDEX IF EXISTS ${schema}.${quoteIdent(name)}; ALTER INDEX ${schema}.${quoteIdent(temp)} RENAME TO ${quoteIdent(name)}; COMMIT`,
    );
    req.onProgress?.(rows);
    client.release(true);
    return { rows, lists: plan.lists, notices, concurrent: true, maintenanceWorkMemMB: plan.memory.maintenanceWorkMemMB };
  } catch (error) {
    client.release(true);
    // A cancelled or failed CREATE INDEX CONCURRENTLY leaves an INVALID index: drop it now if the
    // server lets us (else the next build does). Best effort: the build's own error is what counts.
    if (started) {
      await access.pool.query(`DROP INDEX CONCURRENTLY IF EXISTS ${schema}.${quoteIdent(temp)}`).catch(() => undefined);
    }
    throw error;
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}

interface BuildPlan {
  withClause: string;
  lists: number | null;
  memory: BuildMemory;
  parallelWorkers: number | null;
}

function planFor(req: BuildRequest, rows: number): BuildPlan {
  let withClause: string;
  let lists: number | null = null;
  if (req.method === 'hnsw') {
    const p = req.params as HnswNativeParams;
    withClause = `m = ${p.m}, ef_construction = ${p.efConstruction}`;
  } else {
    lists = (req.params as IvfflatNativeParams).lists ?? autoLists(rows);
    withClause = `lists = ${lists}`;
  }
  const memory = planBuildMemory(req.method, req.params, rows, req.table.dimensions, req.table.vectorType, lists, req.name);
  return { withClause, lists, memory, parallelWorkers: req.params.parallelWorkers };
}

/** `SET [LOCAL]` of the build's memory and workers (validated integers, not user text). */
function settingsSql(plan: BuildPlan, scope: 'LOCAL' | 'SESSION'): string {
  const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  const parts = [`${set} maintenance_work_mem = '${plan.memory.maintenanceWorkMemMB}MB'`];
  if (plan.parallelWorkers !== null) parts.push(`${set} max_parallel_maintenance_workers = ${plan.parallelWorkers}`);
  return parts.join('; ');
}

function createSql(req: BuildRequest, temp: string, withClause: string, concurrently: '' | 'CONCURRENTLY'): string {
  return `CREATE INDEX ${concurrently} ${quoteIdent(temp)} ON ${req.table.table} USING ${req.method} (${req.indexed} ${req.opclass}) WITH (${withClause})`;
}

async function countForBuild(
  client: pg.PoolClient,
  table: PgCollectionTable,
): Promise<{ rows: number; pid: number | undefined }> {
  const counted = await client.query<{ n: string; pid: number }>(
    `SELECT count(*) AS n, pg_backend_pid() AS pid FROM ${table.table}`,
  );
  return { rows: Number(counted.rows[0]?.n ?? 0), pid: counted.rows[0]?.pid };
}

function leftoverNotice(temp: string, valid: boolean): string {
  return valid
    ? `dropped index ${temp} left by an earlier build that did not finish, and built it again`
    : `replaced INVALID index ${temp} left by a cancelled or killed concurrent build`;
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
