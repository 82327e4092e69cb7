import type pg from 'pg';
import type { FilterNode, Metric } from '@vecdex/core';

/** Column type of a collection's vectors: `vector(d)` up to 2,000 dims, `halfvec(d)` up to 4,000. */
export type PgVectorType = 'vector' | 'halfvec';

/** Where one collection's items live, for SQL written against them (native indexes). */
export interface PgCollectionTable {
  /** The items table, quoted: `"vecdex"."items_12"`. */
  table: string;
  /** The collection's internal id (the `12` of `items_12`). */
  cid: number;
  dimensions: number;
  metric: Metric;
  vectorType: PgVectorType;
  /** Quoted column names. */
  idColumn: string;
  vectorColumn: string;
  metadataColumn: string;
}

/**
 * What the pgvector backend exposes to the index plugins that live inside it (the native
 * HNSW/IVFFlat indexes in `./native-index/`). Not part of core's contracts: only plugins shipped
 * with this package use it.
 */
export interface PgNativeAccess {
  readonly pool: pg.Pool;
  /** `transaction` behind PgBouncer and the like: no session state (index builds then run in one transaction). */
  readonly pooler: 'none' | 'transaction';
  /** Unquoted schema name. */
  readonly schema: string;
  /**
   * The table holding a collection's items; throws `UNKNOWN_COLLECTION`. Identifiers come back
   * already quoted/escaped (pg's escapeIdentifier).
   */
  collectionTable(collection: string): Promise<PgCollectionTable>;
  /**
   * Compile a filter to a SQL boolean expression on the metadata column, appending bound values
   * to `params` (`$n` placeholders continue from `params.length`).
   */
  compileFilter(filter: FilterNode, params: unknown[]): string;
  /**
   * Run read-only statements on a client the backend picks: a replica that has replayed this
   * instance's writes when `replicas` are configured, else the primary. The client is released
   * afterwards (destroyed when `fn` threw); `fn` must not keep it.
   */
  withReadClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}
