import { INLINE_MAX_DIMENSIONS } from './copy-ingest.js';
import { escapeIdentifier, escapeLiteral } from 'pg';
import type { Metric } from '@vecdex/core';
import type { PgVectorType } from './native-access.js';

/** pgvector indexes `vector` columns up to 2,000 dimensions (pgvector#915). */
export const MAX_VECTOR_DIMENSIONS = 2000;
/** ... and `halfvec` columns up to 4,000: larger collections are stored as half precision. */
export const MAX_HALFVEC_DIMENSIONS = 4000;

/** The column type a collection of `dimensions` gets. */
export function vectorTypeFor(dimensions: number): PgVectorType {
  return dimensions <= MAX_VECTOR_DIMENSIONS ? 'vector' : 'halfvec';
}

/** pgvector's distance operator per metric; each matches core's `distance()` (ip is `-(a·b)`). */
export const METRIC_OPERATORS: Readonly<Record<Metric, string>> = Object.freeze({
  l2: '<->',
  cosine: '<=>',
  ip: '<#>',
  l1: '<+>',
});

/**
 * Quoted names of the objects in one vecdex schema. Only the schema name comes from the user
 * (config), and it is escaped; every other identifier is generated here (`items_<cid>`).
 */
export class SchemaNames {
  /** The quoted schema, `"vecdex"`. */
  readonly schema: string;
  readonly meta: string;
  readonly collections: string;
  readonly changes: string;
  readonly indexDefinitions: string;
  readonly indexStates: string;
  readonly indexEvents: string;
  /** Literals naming sequences, for `nextval(...)`/`setval(...)`. */
  readonly changeSeqLiteral: string;
  readonly clockSeq: string;
  readonly clockSeqLiteral: string;

  constructor(
    /** Unquoted schema name. */
    readonly name: string,
    /** The quoted schema pgvector's types and operators live in, e.g. `"public"`. */
    readonly ext: string,
  ) {
    const s = escapeIdentifier(name);
    this.schema = s;
    this.meta = `${s}.meta`;
    this.collections = `${s}.collections`;
    this.changes = `${s}.changes`;
    this.indexDefinitions = `${s}.index_definitions`;
    this.indexStates = `${s}.index_states`;
    this.indexEvents = `${s}.index_events`;
    this.changeSeqLiteral = escapeLiteral(`${s}.change_seq`);
    this.clockSeq = `${s}.modified_clock`;
    this.clockSeqLiteral = escapeLiteral(`${s}.modified_clock`);
  }

  /** The quoted items table of a collection. */
  items(cid: number): string {
    return `${this.schema}.${itemsTableName(cid)}`;
  }

  /** A pgvector type, schema-qualified: `"public".vector(3)`. */
  vectorType(type: PgVectorType, dimensions?: number): string {
    return `${this.ext}.${type}${dimensions === undefined ? '' : `(${dimensions})`}`;
  }

  /** A distance operator, schema-qualified, so it resolves whatever the search_path. */
  operator(metric: Metric): string {
    return `OPERATOR(${this.ext}.${METRIC_OPERATORS[metric]})`;
  }
}

/** Unquoted table name of a collection's items: `items_12`. */
export function itemsTableName(cid: number): string {
  if (!Number.isSafeInteger(cid) || cid < 1) throw new Error(`internal: bad collection id ${cid}`);
  return `items_${cid}`;
}

/** DDL of one collection's items table: typed vector column, jsonb metadata, full-text column. */
export function createItemsTableSql(names: SchemaNames, cid: number, type: PgVectorType, dimensions: number): string[] {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_HALFVEC_DIMENSIONS) {
    throw new Error(`internal: bad dimensions ${dimensions}`);
  }
  const t = names.items(cid);
  const tsv = escapeIdentifier(`${itemsTableName(cid)}_tsv`);
  return [
    `CREATE TABLE ${t} (
      id text COLLATE "C" PRIMARY KEY,
      embedding ${names.vectorType(type, dimensions)} NOT NULL,
      content text,
      metadata jsonb,
      content_hash text,
      modified bigint NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(content, ''))) STORED
    )`,
    `CREATE INDEX ${tsv} ON ${t} USING gin (tsv)`,
    // Inline vectors: no compression attempt and no TOAST insert per row (see INLINE_MAX_DIMENSIONS).
    ...(dimensions <= INLINE_MAX_DIMENSIONS ? [`ALTER TABLE ${t} ALTER COLUMN embedding SET STORAGE PLAIN`] : []),
  ];
}
