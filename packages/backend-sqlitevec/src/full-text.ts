import { errors } from '@vecdex/core';
import type { KeywordHit, KeywordSearchRequest } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { Connection, Db } from './connection.js';
import { compileFilter } from './filter-sql.js';
import { parseMetadata, type ItemStore } from './item-store.js';

/** At most this many distinct query terms reach FTS5 (a longer text keeps its first ones). */
export const MAX_QUERY_TERMS = 64;

/**
 * The FTS5 table holding a collection's `content`; its rowids are the `vecdex_items` rowids.
 * Contentless with `contentless_delete=1` (SQLite 3.43+): the text lives once, in
 * `vecdex_items`, and rows can be deleted by rowid alone (an external-content table would need
 * the old text, exactly, to delete).
 */
export function ftsTable(cid: number): string {
  if (!Number.isSafeInteger(cid) || cid < 1) throw new Error(`internal: bad collection id ${cid}`);
  return `vecdex_fts_${cid}`;
}

export function createFtsTableSql(cid: number): string {
  return `CREATE VIRTUAL TABLE ${ftsTable(cid)} USING fts5(content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`;
}

/** Create and fill a collection's FTS5 table from its items (migration of an existing store). */
export function createFtsTable(db: Db, cid: number): void {
  db.exec(createFtsTableSql(cid));
  db.prepare(
    `INSERT INTO ${ftsTable(cid)} (rowid, content) SELECT rowid, content FROM vecdex_items WHERE cid = ? AND content IS NOT NULL`,
  ).run(cid);
}

/** Migration to schema version 3: give every existing collection its FTS5 table. */
export function migrateFullText(db: Db): void {
  const cids = db.prepare('SELECT cid FROM vecdex_collections ORDER BY cid').pluck().all() as number[];
  for (const cid of cids) createFtsTable(db, cid);
}

/**
 * Turn user text into an FTS5 query that can never be a syntax error: the text is split into
 * words (letters, digits, marks: what the unicode61 tokenizer keeps), each word becomes a quoted
 * string with `"` doubled, and the words are OR-ed. Operators (`AND`, `NEAR`, `*`, `^`, column
 * filters like `content:`) thus match as plain words or are dropped as separators.
 * Returns null when the text has no words.
 *
 * ```ts
 * toMatchQuery('foo AND "bar"*') // '"foo" OR "and" OR "bar"'
 * ```
 */
export function toMatchQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}\p{M}\p{Co}]+/gu) ?? [];
  const terms = [...new Set(words)].slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}

/**
 * Keyword search with bm25 over the collections' FTS5 tables, and the hooks that keep those
 * tables in step with item writes (called inside the item store's write transaction).
 */
export class FullText {
  constructor(private readonly conn: Connection) {}

  /** After an item row was inserted or updated: replace its indexed text. */
  put(c: CollectionRow, rowid: bigint, content: string | null, existed: boolean): void {
    const table = ftsTable(c.cid);
    if (existed) this.conn.prepare(`DELETE FROM ${table} WHERE rowid = ?`).run(rowid);
    if (content !== null && content !== '') {
      this.conn.prepare(`INSERT INTO ${table} (rowid, content) VALUES (?, ?)`).run(rowid, content);
    }
  }

  /** After an item row was deleted. */
  remove(c: CollectionRow, rowid: bigint): void {
    this.conn.prepare(`DELETE FROM ${ftsTable(c.cid)} WHERE rowid = ?`).run(rowid);
  }

  /** Best `k` matches across the collections, by descending relevance (negated bm25). Call in a read transaction. */
  search(collections: readonly CollectionRow[], request: KeywordSearchRequest, items: ItemStore): KeywordHit[] {
    const { k } = request;
    if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
    if (typeof request.query !== 'string') throw errors.invalidArgument('query', 'a string', request.query);
    const match = toMatchQuery(request.query);
    if (match === null) return [];
    const filter = compileFilter(request.filter, 'i.metadata');
    const include = request.include ?? {};
    const hits: (KeywordHit & { rowid: number; c: CollectionRow })[] = [];
    for (const c of collections) {
      const table = ftsTable(c.cid);
      const sql =
        `SELECT f.rowid AS rowid, -bm25(${table}) AS score, i.id AS id, i.content AS content, i.metadata AS metadata ` +
        `FROM ${table} f JOIN vecdex_items i ON i.rowid = f.rowid ` +
        `WHERE ${table} MATCH ? AND ${filter.sql} ORDER BY bm25(${table}) LIMIT ?`;
      const rows = this.conn.prepare(sql).all(match, ...filter.params, k) as {
        rowid: number;
        score: number;
        id: string;
        content: string | null;
        metadata: string | null;
      }[];
      for (const r of rows) {
        const hit: KeywordHit & { rowid: number; c: CollectionRow } = {
          collection: c.name,
          id: r.id,
          score: r.score,
          rowid: r.rowid,
          c,
        };
        if (include.metadata) hit.metadata = parseMetadata(r.metadata);
        if (include.content) hit.content = r.content;
        hits.push(hit);
      }
    }
    hits.sort((a, b) => b.score - a.score);
    if (hits.length > k) hits.length = k;
    return hits.map(({ rowid, c, ...hit }) => {
      if (include.vector) hit.vector = items.vector(c, rowid);
      return hit;
    });
  }
}
