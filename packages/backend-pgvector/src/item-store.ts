import { metadataJson } from '@vecdex/core';
import type { FilterNode, NormalizedItem, StoredItem } from '@vecdex/core';
import type { ChangeFeed } from './change-feed.js';
import type { CollectionRow } from './collection-store.js';
import type { PgClient } from './connection.js';
import { copyIntoItems, copyIntoStage, ensureStage, sortMemoryKb, sortMemorySql, stageTable } from './copy-ingest.js';
import { compileFilter } from './filter-sql.js';
import { ITEM_COLUMNS, toStoredItem, type ItemRow } from './item-row.js';
import type { InsertPath } from './pgvector-options.js';
import { type SchemaNames, vectorTypeFor } from './schema.js';
import { checkDimensions, parseVector, vectorFromSend, vectorLiteral } from './vector-codec.js';

const ITEM_SET = `embedding = excluded.embedding, content = excluded.content, metadata = excluded.metadata,
  content_hash = excluded.content_hash, modified = excluded.modified`;

/** Items in id order (UTF-16 code units; the server's "C" order differs only past U+FFFF, and a deadlock that could cause is retried). */
function sortedById(items: readonly NormalizedItem[]): NormalizedItem[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A direct COPY (see `ItemStore.upsert`) that met an id another connection stored after the
 * check: the write is run again through the staging table.
 */
export function isDirectCopyConflict(err: unknown): boolean {
  const e = err as { code?: unknown; table?: unknown };
  return e.code === '23505' && typeof e.table === 'string' && /^items_\d+$/.test(e.table);
}

/**
 * Items of one collection live in its own table `items_<cid>` (a typed `vector(d)` or
 * `halfvec(d)` column, so pgvector's native indexes can be built on it). Every write method runs
 * in the caller's transaction, together with its change-feed rows.
 */
export class ItemStore {
  constructor(
    private readonly names: SchemaNames,
    private readonly feed: ChangeFeed,
  ) {}

  /**
   * Make the staging table exist on this client; call before BEGIN (see `ensureStage`).
   */
  prepareCopy(client: PgClient, scope: 'session' | 'transaction' = 'session'): Promise<void> {
    return ensureStage(client, this.names.vectorType('vector'), scope);
  }

  /**
   * Insert or replace items with their change rows. `copy`: when none of the ids is stored yet
   * (a bulk load; `vector` columns), stream the rows with binary COPY straight into the items
   * table, then write their change rows in one INSERT; otherwise stream them into the staging
   * table, then one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` into the items table and one
   * into the feed. Both write the same rows. `insert`: one parameterised statement per item
   * (for comparison). Rows are written in id order so concurrent writers of overlapping ids
   * cannot deadlock. `direct: false` skips the direct COPY (the retry after a writer on
   * another connection stored one of the ids first: `isDirectCopyConflict`).
   */
  async upsert(
    client: PgClient,
    c: CollectionRow,
    items: readonly NormalizedItem[],
    modified: number,
    path: InsertPath,
    direct = true,
  ): Promise<void> {
    for (const item of items) checkDimensions(c.name, c.dimensions, item.vector, item.id);
    const table = this.names.items(c.cid);
    const vtype = this.names.vectorType(c.vectorType, c.dimensions);
    if (path === 'copy' && direct && c.vectorType === 'vector') {
      const ids = items.map((x) => x.id);
      const stored = await client.query(`SELECT 1 FROM ${table} WHERE id = ANY($1::text[]) LIMIT 1`, [ids]);
      if (stored.rows.length === 0) {
        await copyIntoItems(client, table, sortedById(items), modified);
        await client.query(this.feed.recordSql('SELECT unnest($3::text[]) AS id', 'upsert'), [c.cid, modified, ids]);
        return;
      }
    }
    if (path === 'copy') {
      const stage = stageTable(c.dimensions);
      const staged = await copyIntoStage(client, items, c.dimensions);
      await client.query(sortMemorySql(), [sortMemoryKb(staged)]);
      await client.query(
        `INSERT INTO ${table} AS t (id, embedding, content, metadata, content_hash, modified)
         SELECT id, embedding::${vtype}, content, metadata, content_hash, $1 FROM ${stage} ORDER BY id
         ON CONFLICT (id) DO UPDATE SET ${ITEM_SET}`,
        [modified],
      );
      await client.query(this.feed.recordSql(`SELECT id FROM ${stage}`, 'upsert'), [c.cid, modified]);
      return;
    }
    const sorted = sortedById(items);
    const sql = `INSERT INTO ${table} AS t (id, embedding, content, metadata, content_hash, modified)
      VALUES ($1, $2::text::${vtype}, $3, $4::jsonb, $5, $6) ON CONFLICT (id) DO UPDATE SET ${ITEM_SET}`;
    const record = this.feed.recordSql('SELECT $3::text AS id', 'upsert');
    for (const item of sorted) {
      await client.query(sql, [
        item.id,
        vectorLiteral(item.vector),
        item.content ?? null,
        metadataJson(item),
        item.contentHash ?? null,
        modified,
      ]);
      await client.query(record, [c.cid, modified, item.id]);
    }
  }

  /** Delete items with a tombstone each (locked in id order first); returns how many existed. */
  async delete(client: PgClient, c: CollectionRow, ids: readonly string[], modified: number): Promise<number> {
    const table = this.names.items(c.cid);
    const res = await client.query<{ n: string }>(
      `WITH locked AS (SELECT id FROM ${table} WHERE id = ANY($3::text[]) ORDER BY id FOR UPDATE),
            gone AS (DELETE FROM ${table} t USING locked WHERE t.id = locked.id RETURNING t.id),
            logged AS (${this.feed.recordSql('SELECT id FROM gone', 'delete')} RETURNING 1)
       SELECT count(*)::text AS n FROM logged`,
      [c.cid, modified, [...new Set(ids)]],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /** Delete the items matching `filter` (locked in id order first), a tombstone each; how many. */
  async deleteWhere(client: PgClient, c: CollectionRow, filter: FilterNode, modified: number): Promise<number> {
    const table = this.names.items(c.cid);
    const params: unknown[] = [c.cid, modified];
    const where = compileFilter(filter, params, 'metadata', c.filterable);
    const res = await client.query<{ n: string }>(
      `WITH locked AS (SELECT id FROM ${table} WHERE ${where} ORDER BY id FOR UPDATE),
            gone AS (DELETE FROM ${table} t USING locked WHERE t.id = locked.id RETURNING t.id),
            logged AS (${this.feed.recordSql('SELECT id FROM gone', 'delete')} RETURNING 1)
       SELECT count(*)::text AS n FROM logged`,
      params,
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /** Items in the order of `ids`, skipping missing ones. */
  async get(client: Pick<PgClient, 'query'>, c: CollectionRow, ids: readonly string[], vectors: boolean): Promise<StoredItem[]> {
    const res = await client.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS('t', vectors)} FROM ${this.names.items(c.cid)} t WHERE t.id = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    const byId = new Map(res.rows.map((r) => [r.id, r]));
    const out: StoredItem[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (row !== undefined) out.push(toStoredItem(row, vectors));
    }
    return out;
  }

  /**
   * Only the vectors of `ids` (as `get` returns them), in their order, null for missing ids: one
   * query, no content or metadata. A `vector` column comes in pgvector's binary form
   * (`vector_send`: float32 big-endian, the stored bits; parsing its text cost as much as the
   * rest of the read); a `halfvec` column as text, exactly as `get` reads it.
   */
  async vectors(client: Pick<PgClient, 'query'>, c: CollectionRow, ids: readonly string[]): Promise<(Float32Array | null)[]> {
    const binary = vectorTypeFor(c.dimensions) === 'vector';
    const column = binary ? 'vector_send(t.embedding)' : 't.embedding::text';
    const res = await client.query<{ id: string; embedding: string | Buffer }>(
      `SELECT t.id, ${column} AS embedding FROM ${this.names.items(c.cid)} t WHERE t.id = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    const byId = new Map(res.rows.map((r) => [r.id, r.embedding]));
    return ids.map((id) => {
      const v = byId.get(id);
      if (v === undefined) return null;
      return typeof v === 'string' ? parseVector(v) : vectorFromSend(v);
    });
  }

  /** Ids of the items matching `filter`, in no particular order (through filterable fields' indexes where it uses them). */
  async matchingIds(client: Pick<PgClient, 'query'>, c: CollectionRow, filter: FilterNode): Promise<string[]> {
    const params: unknown[] = [];
    const where = compileFilter(filter, params, 'metadata', c.filterable);
    const res = await client.query<{ id: string }>(`SELECT id FROM ${this.names.items(c.cid)} WHERE ${where}`, params);
    return res.rows.map((r) => r.id);
  }

  async count(client: Pick<PgClient, 'query'>, c: CollectionRow, filter: FilterNode | null | undefined): Promise<number> {
    const params: unknown[] = [];
    const where = compileFilter(filter, params, 'metadata', c.filterable);
    const res = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.names.items(c.cid)} WHERE ${where}`,
      params,
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /**
   * One page of a scan: items after `afterId` in id order ("C" collation). Keyset pagination,
   * so nothing stays open between pages.
   */
  async page(
    client: Pick<PgClient, 'query'>,
    c: CollectionRow,
    afterId: string | null,
    limit: number,
    filter: FilterNode | null | undefined,
    vectors: boolean,
  ): Promise<StoredItem[]> {
    const params: unknown[] = [afterId, limit];
    const where = compileFilter(filter, params, 'metadata', c.filterable);
    const res = await client.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS('t', vectors)} FROM ${this.names.items(c.cid)} t
        WHERE ($1::text IS NULL OR t.id > $1::text) AND ${where} ORDER BY t.id LIMIT $2`,
      params,
    );
    return res.rows.map((r) => toStoredItem(r, vectors));
  }
}
