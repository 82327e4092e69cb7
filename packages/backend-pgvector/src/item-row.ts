import type { Metadata, StoredItem } from '@vecdex/core';
import { parseVector } from './vector-codec.js';

/** An items-table row as selected by {@link ITEM_COLUMNS}. */
export interface ItemRow {
  id: string;
  embedding?: string;
  content: string | null;
  metadata: Metadata | null;
  content_hash: string | null;
  modified: string;
}

/**
 * The item columns of table alias `t` (vectors as pgvector's text, which round-trips float32
 * exactly; `modified` as text because node-postgres returns bigint as a string anyway).
 */
export function ITEM_COLUMNS(t: string, vectors: boolean): string {
  const cols = `${t}.id, ${t}.content, ${t}.metadata, ${t}.content_hash, ${t}.modified::text AS modified`;
  return vectors ? `${cols}, ${t}.embedding::text AS embedding` : cols;
}

export function toStoredItem(row: ItemRow, vectors: boolean): StoredItem {
  const item: StoredItem = {
    id: row.id,
    content: row.content,
    metadata: row.metadata,
    contentHash: row.content_hash,
    modified: Number(row.modified),
  };
  if (vectors && row.embedding !== undefined) item.vector = parseVector(row.embedding);
  return item;
}
