import { errors } from '@vecdex/core';
import type { ExactSearchRequest, Include, Metric, SearchHit } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import { compileFilter, type SqlFragment } from './filter-sql.js';
import { parseMetadata, type ItemStore } from './item-store.js';
import { MemoryScan, type MemoryHit } from './memory-scan.js';
import type { MemoryVectors } from './memory-vectors.js';
import { SUBSET_CACHE_BYTES, SubsetCache } from './subset-cache.js';
import type { VectorCopy } from './vector-copy.js';
import { MAX_KNN_K, vec0Metric, vecTable } from './schema.js';
import { checkVector, encodeVector } from './vector-codec.js';
import { cosineQuery } from './vector-scaling.js';

const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

/** Metrics `searchExact` supports. */
export const SUPPORTED_METRICS: readonly Metric[] = ['cosine', 'l2', 'l1', 'ip'];

/** The scalar SQL function computing each metric over two float32 blobs. */
const DISTANCE_FUNCTION: Record<Metric, string> = {
  l2: 'vec_distance_l2',
  cosine: 'vec_distance_cosine',
  l1: 'vec_distance_l1',
  ip: 'vecdex_neg_dot',
};

/** A nearest row, with the item's fields the request includes (metadata still as JSON text). */
interface Candidate {
  c: CollectionRow;
  rowid: number;
  distance: number;
  id: string;
  metadata?: string | null;
  content?: string | null;
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
  readonly #scan: MemoryScan;
  /** Repeated filters' slots and gathered rows (see `SubsetCache`). */
  readonly #subsets = new SubsetCache();

  constructor(
    private readonly conn: Connection,
    private readonly items: ItemStore,
    /** In-memory copies scanned with a SIMD kernel (see `memory-scan.ts`); vec0 where they cannot answer. */
    private readonly memory: MemoryVectors,
  ) {
    this.#scan = new MemoryScan(conn);
  }

  /** Run inside a read transaction, so every collection is searched in the same snapshot. */
  search(collections: readonly CollectionRow[], request: ExactSearchRequest): SearchHit[] {
    const { k, metric, vector } = request;
    if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
    if (!SUPPORTED_METRICS.includes(metric)) throw errors.unsupportedMetric(metric, SUPPORTED_METRICS, 'sqlitevec');
    for (const c of collections) checkVector({ ...c, metric }, vector);
    // Cosine is scale-free: a query of extreme magnitude is scaled like the stored vectors are
    // (vector-scaling.ts), so sqlite-vec's float32 arithmetic neither under- nor overflows.
    const stored = metric === 'cosine' ? cosineQuery(vector) : vector;
    const query = encodeVector(stored);
    const include = request.include ?? {};
    // The item columns each nearest row brings along, read in the same statement as the KNN.
    const fields = `i.id AS id${include.metadata ? ', i.metadata AS metadata' : ''}${include.content ? ', i.content AS content' : ''}`;
    let candidates: Candidate[] = [];
    for (const c of collections) {
      const excluded = (request.exclude ?? []).filter((e) => e.collection === c.name).map((e) => e.id);
      const filter = compileFilter(request.filter, 'metadata', c.filterable);
      const rows =
        this.nearestInMemory(c, stored, k, metric, filter, excluded, include) ??
        this.nearest(c, query, k, metric, filter, excluded, fields);
      candidates = candidates.length === 0 ? rows : candidates.concat(rows);
    }
    if (collections.length > 1) candidates.sort((a, b) => a.distance - b.distance);
    if (candidates.length > k) candidates.length = k;
    return candidates.map((cand) => this.hit(cand, include));
  }

  /**
   * The k nearest from the collection's in-memory copy, or null where it cannot answer (copies
   * off or over budget, `l1`, a metric other than the one its vectors are stored for, float32
   * overflow): then vec0 answers, with the same rows and distances.
   */
  private nearestInMemory(
    c: CollectionRow,
    vector: Float32Array,
    k: number,
    metric: Metric,
    filter: SqlFragment,
    excluded: string[],
    include: Include,
  ): Candidate[] | null {
    if (!storedForMetric(c, metric)) return null;
    const copy = this.memory.current(c);
    if (copy === null) return null;
    let allowed: Int32Array | null = null;
    const skip = new Set<number>();
    for (const id of excluded) {
      const slot = copy.slotOf.get(id);
      if (slot !== undefined) skip.add(slot);
    }
    let gathered: Float32Array | null = null;
    if (filter.sql !== '1') {
      const key = `${filter.sql}\u0000${JSON.stringify(filter.params)}`;
      let subset = this.#subsets.get(copy, key);
      if (subset === null) {
        // First seen: the slots are kept, the rows gathered into scratch space.
        const slots = this.matchingSlots(c, filter, copy);
        if (slots === null) return null;
        subset = { slots, vectors: null };
        this.#subsets.set(copy, key, subset);
      } else if (subset.vectors === null) {
        // Seen again: the gathered rows are worth keeping too, while they fit.
        const bytes = subset.slots.length * copy.dimensions * 4;
        if (MemoryScan.gathers(copy, subset.slots.length) && bytes <= SUBSET_CACHE_BYTES / 4 && this.#subsets.fits(bytes)) {
          subset = { slots: subset.slots, vectors: this.#scan.gather(copy, subset.slots, true) };
          this.#subsets.set(copy, key, subset);
        }
      }
      allowed = subset.slots;
      gathered = subset.vectors;
      if (skip.size > 0) {
        // Exclusions: the cached rows would include them; scan a filtered list instead.
        allowed = allowed.filter((slot) => !skip.has(slot));
        gathered = null;
      }
      skip.clear();
    }
    const hits = this.#scan.nearest(copy, vector, k, metric, allowed, skip, gathered);
    return hits === null ? null : this.withFields(c, hits, include);
  }

  /**
   * The copy's slots of the collection's items that pass the filter: the set a filtered exact
   * search gathers and scans; null when a matching row has no slot (the copy cannot answer). A
   * filter on declared filterable fields is answered by their indexes alone (rowid is in every
   * index entry: a covering scan, no table row read). The rowids come back as one
   * `group_concat` string parsed here: 10,000 rowids in ~1.4 ms against ~2.2–4 ms for one JS
   * value per row (`pluck().all`). Exclusions are applied by the caller on the slots.
   */
  matchingSlots(c: CollectionRow, filter: SqlFragment, copy: VectorCopy): Int32Array | null {
    const list = this.conn
      .prepare(`SELECT count(*), group_concat(rowid) FROM vecdex_items WHERE cid = ? AND ${filter.sql}`)
      .raw()
      .get(c.cid, ...filter.params) as [number, string | null];
    const [count, text] = list;
    const slots = new Int32Array(count);
    if (text === null) return slots;
    const lookup = copy.slotOfRowid;
    let n = 0;
    let value = 0;
    let sign = 1;
    for (let i = 0; i <= text.length; i++) {
      const ch = i < text.length ? text.charCodeAt(i) : COMMA;
      if (ch === COMMA) {
        const slot = lookup.get(sign * value);
        if (slot < 0 || n === count) return null;
        slots[n++] = slot;
        value = 0;
        sign = 1;
      } else if (ch === MINUS) sign = -1;
      else value = value * 10 + (ch - ZERO);
    }
    return n === count ? slots : null;
  }

  /** Forget the remembered filters (the backend closes): their gathered rows are freed. */
  clear(): void {
    this.#subsets.clear();
  }

  /** Memory hits as candidates, with the item fields the request includes read in one statement. */
  private withFields(c: CollectionRow, hits: MemoryHit[], include: Include): Candidate[] {
    const out: Candidate[] = hits.map((h) => ({ c, rowid: h.rowid, distance: h.distance, id: h.id }));
    if ((include.metadata || include.content) && hits.length > 0) {
      const rows = this.conn
        .prepare('SELECT rowid, metadata, content FROM vecdex_items WHERE rowid IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(hits.map((h) => h.rowid))) as { rowid: number; metadata: string | null; content: string | null }[];
      const byRowid = new Map(rows.map((r) => [r.rowid, r]));
      for (const cand of out) {
        const row = byRowid.get(cand.rowid);
        cand.metadata = row?.metadata ?? null;
        cand.content = row?.content ?? null;
      }
    }
    return out;
  }

  private nearest(
    c: CollectionRow,
    query: Buffer,
    k: number,
    metric: Metric,
    filter: SqlFragment,
    excluded: string[],
    fields: string,
  ): Candidate[] {
    const vec = vecTable(c.cid);
    const restricted = filter.sql !== '1' || excluded.length > 0;
    // The rowids of the collection's items that pass the filter and are not excluded.
    const allowed = `SELECT rowid FROM vecdex_items WHERE cid = ? AND ${filter.sql}${excluded.length > 0 ? ' AND id NOT IN (SELECT value FROM json_each(?))' : ''}`;
    const restriction = `rowid IN (${allowed})`;
    const restrictionParams = restricted
      ? [c.cid, ...filter.params, ...(excluded.length > 0 ? [JSON.stringify(excluded)] : [])]
      : [];

    // The nearest rows joined to their items: one statement per collection, not one per hit.
    const withFields = (nearest: string) =>
      `SELECT v.rowid AS rowid, v.distance AS distance, ${fields} FROM (${nearest}) v JOIN vecdex_items i ON i.rowid = v.rowid ORDER BY v.distance`;
    let rows: Candidate[] | null = null;
    if (metric !== 'ip' && metric === vec0Metric(c.metric) && k <= MAX_KNN_K) {
      const sql = withFields(
        `SELECT rowid, distance FROM ${vec} WHERE embedding MATCH ? AND k = ?${restricted ? ` AND ${restriction}` : ''}`,
      );
      rows = this.conn.prepare(sql).all(query, k, ...restrictionParams) as Candidate[];
      // sqlite-vec 0.1.x applies `rowid IN` inside the KNN. Should a version ever filter after
      // it instead (asg017/sqlite-vec#152), a short result would be silently wrong: check, and scan.
      if (restricted && rows.length < k && this.countRows(allowed, restrictionParams) > rows.length) rows = null;
    }
    if (rows === null) {
      const scan = scanDistance(c, metric);
      const sql = withFields(
        `SELECT v.rowid AS rowid, ${scan.sql} AS distance FROM ${vec} v${scan.join}${restricted ? ` WHERE v.${restriction}` : ''} ORDER BY distance LIMIT ?`,
      );
      rows = this.conn.prepare(sql).all({ ...scan.named, query }, ...restrictionParams, k) as Candidate[];
    }
    for (const r of rows) r.c = c;
    // Equal distances by rowid (vec0's KNN emits them in its chunk order), as the copy does.
    rows.sort((a, b) => a.distance - b.distance || a.rowid - b.rowid);
    return rows;
  }

  /** How many rows a query returns. */
  private countRows(sql: string, params: unknown[]): number {
    return this.conn
      .prepare(`SELECT count(*) FROM (${sql})`)
      .pluck()
      .get(...params) as number;
  }

  private hit(cand: Candidate, include: Include): SearchHit {
    const hit: SearchHit = { collection: cand.c.name, id: cand.id, distance: cand.distance };
    if (include.metadata) hit.metadata = parseMetadata(cand.metadata ?? null);
    if (include.content) hit.content = cand.content ?? null;
    if (include.vector) hit.vector = this.items.vector(cand.c, cand.rowid);
    return hit;
  }
}

/**
 * Whether the vec0 path computes this metric with sqlite-vec's float32 functions (or
 * `vecdex_neg_dot`) straight over the stored blobs, which is what the in-memory copy holds:
 * the same metric as the collection's, or neither is cosine (cosine rows may be stored scaled).
 */
function storedForMetric(c: CollectionRow, metric: Metric): boolean {
  return metric !== 'l1' && (metric === c.metric || (metric !== 'cosine' && c.metric !== 'cosine'));
}

/**
 * The distance expression of a scan over a collection's vec0 table (`v`), with the query as
 * `@query`. sqlite-vec's float32 functions where they are right; otherwise the double-precision
 * `vecdex_distance` (double-distance.ts, a JavaScript call per row): for another metric over the
 * rows of a cosine collection that are stored scaled (so it needs the item row, `i`), and for
 * cosine over another metric's collection, where float32 cosine breaks on very small or large
 * components.
 */
function scanDistance(c: CollectionRow, metric: Metric): { sql: string; join: string; named: { metric?: Metric } } {
  const native = `${DISTANCE_FUNCTION[metric]}(v.embedding, @query)`;
  if (metric === c.metric || (metric !== 'cosine' && c.metric !== 'cosine')) return { sql: native, join: '', named: {} };
  if (c.metric === 'cosine') {
    return {
      sql: `CASE WHEN i.vector_exp IS NULL THEN ${native} ELSE vecdex_distance(@metric, v.embedding, i.vector_exp, i.vector_exact, @query) END`,
      join: ' JOIN vecdex_items i ON i.rowid = v.rowid',
      named: { metric },
    };
  }
  return { sql: 'vecdex_distance(@metric, v.embedding, NULL, NULL, @query)', join: '', named: { metric } };
}
