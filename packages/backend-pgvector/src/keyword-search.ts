import { errors } from '@vecdex/core';
import type { KeywordHit, KeywordSearchRequest, Metadata } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { PgClient } from './connection.js';
import { includeColumns, withIncluded } from './exact-search.js';
import { compileFilter } from './filter-sql.js';
import type { SchemaNames } from './schema.js';

interface KeywordRow {
  id: string;
  score: number;
  metadata?: Metadata | null;
  content?: string | null;
  embedding?: string;
}

/**
 * The user's text as a tsquery matching any of its words, built without ever parsing the text
 * as tsquery syntax: `to_tsvector('simple', $1)` splits it into lexemes, each is quoted as a
 * tsquery literal (`'` doubled, `\` escaped: chr(39), chr(92)) and the quoted lexemes are joined
 * with `|`. Operators, quotes and backslashes in the input are just characters; a text without
 * words gives NULL, which matches nothing.
 */
const QUERY_SQL = `(SELECT string_agg(
    chr(39) || replace(replace(t.lexeme, chr(92), chr(92) || chr(92)), chr(39), chr(39) || chr(39)) || chr(39), ' | ')::tsquery
  FROM unnest(to_tsvector('simple'::regconfig, $1::text)) AS t)`;

/**
 * Keyword search over `content`: the generated `tsv` column (`to_tsvector('simple', content)`,
 * GIN-indexed, so it follows every write in the same transaction), ranked by `ts_rank_cd` with
 * length normalisation 1 (divided by 1 + log(length): a short document with a term beats a long
 * one, and more matching terms still win),
 * filtered like `searchExact`, merged across collections by score.
 */
export class KeywordSearch {
  constructor(private readonly names: SchemaNames) {}

  async search(client: PgClient, collections: readonly CollectionRow[], request: KeywordSearchRequest): Promise<KeywordHit[]> {
    const { k } = request;
    if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
    if (typeof request.query !== 'string') throw errors.invalidArgument('query', 'a string', request.query);
    const hits: KeywordHit[] = [];
    for (const c of collections) {
      // PostgreSQL text cannot hold NUL; it separates words like any other non-letter.
      const params: unknown[] = [request.query.replaceAll('\0', ' '), k];
      const where = compileFilter(request.filter, params);
      const res = await client.query<KeywordRow>(
        `SELECT id, ts_rank_cd(tsv, q.q, 1)::float8 AS score${includeColumns(request.include)}
           FROM ${this.names.items(c.cid)}, ${QUERY_SQL} AS q(q)
          WHERE tsv @@ q.q AND ${where}
          ORDER BY score DESC, id LIMIT $2`,
        params,
      );
      for (const r of res.rows)
        hits.push(withIncluded<KeywordHit>({ collection: c.name, id: r.id, score: r.score }, r, request.include));
    }
    hits.sort((a, b) => b.score - a.score);
    if (hits.length > k) hits.length = k;
    return hits;
  }
}
