import { Document } from '@langchain/core/documents';
import type { SearchHit } from '@vecdex/core';

/**
 * A vecdex search hit as a LangChain `Document`: its content as `pageContent`, its metadata as
 * `metadata` (a copy), its id as `id`. With `collectionKey`, the hit's collection is also written
 * to that metadata key (for a store over several collections).
 */
export function hitToDocument(hit: SearchHit, collectionKey?: string): Document {
  const metadata: Record<string, unknown> = { ...(hit.metadata ?? {}) };
  if (collectionKey !== undefined) metadata[collectionKey] = hit.collection;
  return new Document({ pageContent: hit.content ?? '', metadata, id: hit.id });
}
