import { errors, METRICS } from '@vecdex/core';
import type { ExactSearchRequest, Include, Metadata, SearchHit } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { PgClient } from './connection.js';
import { compileFilter } from './filter-sql.js';
import type { SchemaNames } from './schema.js';
import { checkDimensions, parseVector, vectorLiteral } from './vector-codec.js';

interface HitRow {
  id: string;
  distance: number;
  metadata?: Metadata | null;
  content?: string | null;
  embedding?: string;
}

/** The optional columns a search returns (shared with keyword search). */
export function includeColumns(include: Include | undefined): string {
  const cols: string[] = [];
  if (include?.metadata) cols.push('metadata');
  if (include?.content) cols.push('content');
  if (include?.vector) cols.push('embedding::text AS embedding');
  return cols.map((c) => `, ${c}`).join('');
}

/** Copy the included fields of a row onto a hit. */
export function withIncluded<H extends { metadata?: Metadata | null; content?: string | null; vector?: Float32Array }>(
  hit: H,
  row: { metadata?: Metadata | null; content?: string | null; embedding?: string },
  include: Include | undefined,
): H {
  if (include?.metadata) hit.metadata = row.metadata ?? null;
  if (include?.content) hit.content = row.content ?? null;
  if (include?.vector && row.embedding !== undefined) hit.vector = parseVector(row.embedding);
  return hit;
}

/**
 * Exact k-nearest-neighbour search: a sequential scan with `ORDER BY distance LIMIT k` per
 * collection (filter and exclusions in the WHERE, so the result holds `min(k, matching)` rows),
 * merged by distance. The ORDER BY expression is `distance + 0` on purpose: it does not match a
 * native HNSW/IVFFlat index on the table, so the planner never answers the ground truth with an
 * approximate index scan.
 */
export class ExactSearch {
  constructor(private readonly names: SchemaNames) {}

  /** Run inside one read transaction, so every collection is searched in the same snapshot. */
  async search(client: PgClient, collections: readonly CollectionRow[], request: ExactSearchRequest): Promise<SearchHit[]> {
    const { k, metric, vector } = request;
    if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
    if (!METRICS.includes(metric)) throw errors.unsupportedMetric(metric, METRICS, 'pgvector');
    for (const c of collections) checkDimensions(c.name, c.dimensions, vector);
    const hits: SearchHit[] = [];
    for (const c of collections) {
      const excluded = (request.exclude ?? []).filter((e) => e.collection === c.name).map((e) => e.id);
      const params: unknown[] = [vectorLiteral(vector), k, excluded];
      const where = compileFilter(request.filter, params, 'metadata', c.filterable);
      const q = `$1::text::${this.names.vectorType(c.vectorType, c.dimensions)}`;
      const res = await client.query<HitRow>(
        `SELECT id, (embedding ${this.names.operator(metric)} ${q}) + 0 AS distance${includeColumns(request.include)}
           FROM ${this.names.items(c.cid)}
          WHERE ${where} AND NOT (id = ANY($3::text[]))
          ORDER BY distance LIMIT $2`,
        params,
      );
      for (const r of res.rows) {
        hits.push(withIncluded<SearchHit>({ collection: c.name, id: r.id, distance: r.distance }, r, request.include));
      }
    }
    hits.sort((a, b) => a.distance - b.distance);
    if (hits.length > k) hits.length = k;
    return hits;
  }
}
