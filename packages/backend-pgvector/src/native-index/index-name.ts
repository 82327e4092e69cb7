import { createHash } from 'node:crypto';

/**
 * The SQL name of a native index: generated from the collection's internal id and a hash of the
 * index definition's name, never user text, so it is always a plain identifier (and well under
 * PostgreSQL's 63-byte limit). A build creates `<name>_new` and renames it into place.
 *
 * ```ts
 * nativeIndexName(12, 'docs-hnsw') // 'vecdex_idx_12_3f9a1c0b2d'
 * ```
 */
export function nativeIndexName(cid: number, definitionName: string): string {
  if (!Number.isSafeInteger(cid) || cid < 0) throw new RangeError(`collection id must be a non-negative integer, got ${cid}`);
  const hash = createHash('sha256').update(definitionName).digest('hex').slice(0, 10);
  return `vecdex_idx_${cid}_${hash}`;
}

/** The name a build creates before it replaces the live index. */
export function buildingName(name: string): string {
  return `${name}_new`;
}
