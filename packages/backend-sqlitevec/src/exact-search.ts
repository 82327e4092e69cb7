import { errors } from '@vecdex/core';
import type { ExactSearchRequest, Metric, SearchHit } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import { compileFilter, type SqlFragment } from './filter-sql.js';
import { parseMetadata, type ItemStore } from './item-store.js';
import { MAX_KNN_K, vec0Metric, vecTable } from './schema.js';
import { checkVector, encodeVector } from './vector-codec.js';

/** Metrics `searchExact` supports. */
export const SUPPORTED_METRICS: readonly Metric[] = ['cosine', 'l2', 'l1', 'ip'];

/** The scalar SQL function computing each metric over two float32 blobs. */
const DISTANCE_FUNCTION: Record<Metric, string> = {
  l2: 'vec_distance_l2',
  cosine: 'vec_distance_cosine',
  l1: 'vec_distance_l1',
  ip: 'vecdex_neg_dot',
};

interface Candidate {
  c: CollectionRow;
  rowid: number;
  distance: number;
}

/**
 * Exact k-nearest-neighbour search, per collection then merged by distance.
 *
 * When vec0 computes the requested metric and k is within its limit, a vec0 KNN query does the
 * work (a brute-force scan in C). A filter or an exclusion list restricts it with
 * `rowid IN (SELECT rowid FROM vecdex_items WHERE ...)`, which vec0 applies *inside* the KNN,
 * so the result holds min(k, matching) rows rather than k-then-filter. Otherwise (the `ip`
 * metric, a metric other than the collection's, or k above vec0's 4096) we scan with a scalar
 * distance function, ORDER BY and LIMIT.
 */
export class ExactSearch {
  constructor(
    private readonly conn: Connection,
    private readonly items: ItemStore,
  ) {}

  /** Run inside a read transaction, so every collection is searched in the same snapshot. */
  search(collections: readonly CollectionRow[], request: ExactSearchRequest): SearchHit[] {
    const { k, metric, vector } = request;
    if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
    if (!SUPPORTED_METRICS.includes(metric)) throw errors.unsupportedMetric(metric, SUPPORTED_METRICS, 'sqlitevec');
    for (const c of collections) checkVector({ ...c, metric }, vector);
    const query = encodeVector(vector);
    const filter = compileFilter(request.filter);
    const candidates: Candidate[] = [];
    for (const c of collections) {
      const excluded = (request.exclude ?? []).filter((e) => e.collection === c.name).map((e) => e.id);
      candidates.push(...this.nearest(c, query, k, metric, filter, excluded));
    }
    candidates.sort((a, b) => a.distance - b.distance);
    if (candidates.length > k) candidates.length = k;
    return candidates.map((cand) => this.hit(cand, request));
  }

  private nearest(
    c: CollectionRow,
    query: Buffer,
    k: number,
    metric: Metric,
    filter: SqlFragment,
    excluded: string[],
  ): Candidate[] {
    const vec = vecTable(c.cid);
    const restricted = filter.sql !== '1' || excluded.length > 0;
    // The rowids of the collection's items that pass the filter and are not excluded.
    const allowed = `SELECT rowid FROM vecdex_items WHERE cid = ? AND ${filter.sql}${excluded.length > 0 ? ' AND id NOT IN (SELECT value FROM json_each(?))' : ''}`;
    const restriction = `rowid IN (${allowed})`;
    const restrictionParams = restricted
      ? [c.cid, ...filter.params, ...(excluded.length > 0 ? [JSON.stringify(excluded)] : [])]
      : [];

    let rows: { rowid: number; distance: number }[] | null = null;
    if (metric !== 'ip' && metric === vec0Metric(c.metric) && k <= MAX_KNN_K) {
      const sql = `SELECT rowid, distance FROM ${vec} WHERE embedding MATCH ? AND k = ?${restricted ? ` AND ${restriction}` : ''}`;
      rows = this.conn.prepare(sql).all(query, k, ...restrictionParams) as { rowid: number; distance: number }[];
      // sqlite-vec 0.1.x applies `rowid IN` inside the KNN. Should a version ever filter after
      // it instead (asg017/sqlite-vec#152), a short result would be silently wrong: check, and scan.
      if (restricted && rows.length < k && this.countRows(allowed, restrictionParams) > rows.length) rows = null;
    }
    if (rows === null) {
      const fn = DISTANCE_FUNCTION[metric];
      const sql = `SELECT rowid, ${fn}(embedding, ?) AS distance FROM ${vec}${restricted ? ` WHERE ${restriction}` : ''} ORDER BY distance LIMIT ?`;
      rows = this.conn.prepare(sql).all(query, ...restrictionParams, k) as { rowid: number; distance: number }[];
    }
    return rows.map((r) => ({ c, rowid: r.rowid, distance: r.distance }));
  }

  /** How many rows a query returns. */
  private countRows(sql: string, params: unknown[]): number {
    return this.conn
      .prepare(`SELECT count(*) FROM (${sql})`)
      .pluck()
      .get(...params) as number;
  }

  private hit(cand: Candidate, request: ExactSearchRequest): SearchHit {
    const include = request.include ?? {};
    const row = this.conn.prepare('SELECT id, content, metadata FROM vecdex_items WHERE rowid = ?').get(BigInt(cand.rowid)) as
      | { id: string; content: string | null; metadata: string | null }
      | undefined;
    if (row === undefined) throw new Error(`internal: vec0 row ${cand.rowid} of "${cand.c.name}" has no item`);
    const hit: SearchHit = { collection: cand.c.name, id: row.id, distance: cand.distance };
    if (include.metadata) hit.metadata = parseMetadata(row.metadata);
    if (include.content) hit.content = row.content;
    if (include.vector) hit.vector = this.items.vector(cand.c, cand.rowid);
    return hit;
  }
}
