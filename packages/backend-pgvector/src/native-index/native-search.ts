import type { IndexHit, IndexSearchOptions, Metric } from '@vecdex/core';
import type pg from 'pg';
import type { PgCollectionTable, PgNativeAccess } from '../native-access.js';
import type { NativeMethod } from './native-params.js';
import { DISTANCE_OPERATOR } from './operator-class.js';
import type { IndexExpression } from './index-expression.js';

/** How many candidates to fetch when only an `allow` predicate (no SQL `where`) is given. */
const ALLOW_ONLY_FACTOR = 10;

/** pgvector's largest `hnsw.ef_search`. */
const MAX_EF_SEARCH = 1000;

export interface NativeSearchInput {
  access: PgNativeAccess;
  table: PgCollectionTable;
  collection: string;
  method: NativeMethod;
  /** The quoted schema of pgvector's types and operators, e.g. `"public"`. */
  ext: string;
  /** The metric the index was built for (its operator class). */
  metric: Metric;
  /** `hnsw.ef_search` or `ivfflat.probes`, already validated. */
  setting: number;
  query: Float32Array;
  options: IndexSearchOptions;
  /** A compressed index's expression (ordered by it, re-ranked by the column when rescoring). */
  expression?: IndexExpression | null;
}

/**
 * k-NN through a pgvector index: `ORDER BY column <op> $1 LIMIT k` in a transaction whose
 * `SET LOCAL` gives the index its search width. With a filter (`options.where`), the filter and
 * excluded ids go into the WHERE clause (bound parameters, compiled by the backend) and the scan
 * is iterative (pgvector 0.8, `relaxed_order`), so the index keeps producing candidates until k
 * rows pass the filter instead of stopping at ef_search/probes (pgvector#259).
 */
export async function nativeSearch(input: NativeSearchInput): Promise<IndexHit[]> {
  const { options } = input;
  if (options.where !== undefined && options.where.collection !== input.collection) return [];
  const q = searchSql(input);
  const rows =
    q.params.length === 1
      ? await input.access.withReadClient((client) => oneRoundTrip(client, q))
      : await input.access.withReadClient((client) => inTransaction(client, q.begin, q.sql, q.params));
  const hits: IndexHit[] = [];
  for (const row of rows) {
    const hit = { collection: input.collection, id: String(row.id), distance: Number(row.distance) };
    // With `where` the SQL already did this; `allow` is checked again as a safety net (cheap).
    if (options.allow !== undefined && !options.allow(hit)) continue;
    hits.push(hit);
  }
  // relaxed_order may return rows slightly out of order: sort them back.
  if (q.iterative) hits.sort((a, b) => a.distance - b.distance);
  return hits.length > options.k ? hits.slice(0, options.k) : hits;
}

/** The statements of one search: `begin` (BEGIN + SET LOCAL), then `sql` with `params`. Exported for EXPLAIN in tests. */
export function searchSql(input: NativeSearchInput): { begin: string; sql: string; params: unknown[]; iterative: boolean } {
  const { access, table, options } = input;
  const where = options.where;
  const filtered = where !== undefined || options.allow !== undefined;
  const op = `OPERATOR(${input.ext}.${DISTANCE_OPERATOR[input.metric]})`;
  const params: unknown[] = [vectorLiteral(input.query)];
  const distance = `${table.vectorColumn} ${op} $1::${input.ext}.${table.vectorType}`;
  const conditions: string[] = [];
  if (where !== undefined) {
    if (where.filter !== null) conditions.push(`(${access.compileFilter(where.filter, params)})`);
    if (where.exclude.length > 0) {
      params.push(where.exclude);
      conditions.push(`NOT (${table.idColumn} = ANY($${params.length}::text[]))`);
    }
  }
  // `where` says the same as `allow`; with `allow` alone, over-fetch and apply it afterwards.
  const limit = where === undefined && options.allow !== undefined ? options.k * ALLOW_ONLY_FACTOR : options.k;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`k must be a positive integer, got ${options.k}`);
  const whereSql = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const expr = input.expression ?? null;
  let sql: string;
  let scanned = limit;
  if (expr === null) {
    sql = `SELECT ${table.idColumn} AS id, ${distance} AS distance FROM ${table.table}${whereSql} ORDER BY ${distance} LIMIT ${limit}`;
  } else {
    // Ordered by the indexed expression (the planner uses the expression index), and with
    // rescoring re-ranked by the column's exact distance in an outer query.
    const approx = `${expr.over(table.vectorColumn)} OPERATOR(${input.ext}.${expr.operator}) ${expr.query('$1')}`;
    if (expr.oversample === null) {
      sql = `SELECT ${table.idColumn} AS id, ${approx} AS distance FROM ${table.table}${whereSql} ORDER BY ${approx} LIMIT ${limit}`;
    } else {
      scanned = Math.ceil(limit * expr.oversample);
      const exact = `c.v ${op} $1::${input.ext}.${table.vectorType}`;
      sql =
        `SELECT c.id, ${exact} AS distance FROM (SELECT ${table.idColumn} AS id, ${table.vectorColumn} AS v FROM ${table.table}${whereSql}` +
        ` ORDER BY ${approx} LIMIT ${scanned}) c ORDER BY ${exact} LIMIT ${limit}`;
    }
  }
  // An HNSW scan yields at most ef_search rows: like hnswlib, search with max(ef, k), and past
  // pgvector's ef_search limit keep the scan going iteratively.
  const hnsw = input.method === 'hnsw';
  const setting = hnsw ? Math.min(MAX_EF_SEARCH, Math.max(input.setting, scanned)) : input.setting;
  const iterative = filtered || (hnsw && scanned > MAX_EF_SEARCH);
  return { begin: settingsSql(input.method, setting, iterative), sql, params, iterative };
}

/** `BEGIN` plus the per-query settings, one round trip (values are validated integers, not user text). */
export function settingsSql(method: NativeMethod, setting: number, iterative: boolean): string {
  if (!Number.isInteger(setting) || setting < 1)
    throw new RangeError(`search setting must be a positive integer, got ${setting}`);
  const parts = ['BEGIN'];
  if (method === 'hnsw') parts.push(`SET LOCAL hnsw.ef_search = ${setting}`);
  else parts.push(`SET LOCAL ivfflat.probes = ${setting}`);
  if (iterative) parts.push(`SET LOCAL ${method}.iterative_scan = relaxed_order`);
  return parts.join('; ');
}

/** pgvector's text form of a vector: `[1,2.5,-3]` (float32 values print exactly as JS numbers). */
export function vectorLiteral(v: Float32Array): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

/**
 * An unfiltered query holds no user text (the vector is numbers written by `vectorLiteral`, k
 * and the setting are validated integers), so it goes as one simple-protocol message:
 * `BEGIN; SET LOCAL ...; SELECT ...; COMMIT`, one round trip instead of three.
 */
async function oneRoundTrip(
  client: pg.PoolClient,
  q: { begin: string; sql: string; params: unknown[] },
): Promise<{ id: unknown; distance: unknown }[]> {
  const literal = q.params[0];
  if (typeof literal !== 'string' || !/^\[[-0-9.e+,]*\]$/i.test(literal))
    throw new RangeError('internal: the query vector is not a vector literal');
  const text = `${q.begin}; ${q.sql.replaceAll('$1', () => `'${literal}'`)}; COMMIT`;
  const results = (await client.query(text)) as unknown as pg.QueryResult<{ id: unknown; distance: unknown }>[];
  const select = Array.isArray(results) ? results.find((r) => r.command === 'SELECT') : undefined;
  if (select === undefined) throw new Error('internal: no SELECT result');
  return select.rows;
}

/** `begin`, the statement, COMMIT; on an error the caller destroys the client (node-postgres#3399). */
async function inTransaction(
  client: pg.PoolClient,
  begin: string,
  sql: string,
  params: unknown[],
): Promise<{ id: unknown; distance: unknown }[]> {
  await client.query(begin);
  const result = await client.query<{ id: unknown; distance: unknown }>(sql, params);
  await client.query('COMMIT');
  return result.rows;
}
