import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import type { Filter } from '../filter/filter-ast.js';
import { filterPredicate } from '../filter/filter-predicate.js';
import { parseFilter } from '../filter/parse-filter.js';

/** What `collection.delete({ filter })` takes. */
export interface DeleteWhere {
  /** Delete every item whose metadata matches (vecdex's filter language). Must not be empty. */
  filter: Filter;
  /** Count what would be deleted, delete nothing. */
  dryRun?: boolean;
}

/**
 * Delete by filter: the backend's atomic `deleteWhere` when it has one, else the matching ids
 * from a scan deleted in one `delete` call. An empty filter (which matches everything) is refused:
 * deleting a whole collection is `collections.delete`.
 */
export async function deleteWhere(backend: StorageBackend, collection: string, request: DeleteWhere): Promise<number> {
  const filter = parseFilter(request.filter);
  // `{}` parses to an empty conjunction, which matches every item.
  if (filter === null || (filter.op === 'and' && filter.children.length === 0)) {
    throw errors.invalidArgument(
      'filter',
      'a filter that names at least one condition (to delete every item, delete the collection)',
      request.filter,
    );
  }
  if (request.dryRun === true) return backend.count(collection, filter);
  if (backend.deleteWhere !== undefined) return backend.deleteWhere(collection, filter);
  const match = filterPredicate(filter);
  const ids: string[] = [];
  for await (const batch of backend.scan(collection, { batchSize: 1000, vectors: false })) {
    for (const item of batch) if (match(item.metadata ?? null)) ids.push(item.id);
  }
  return ids.length === 0 ? 0 : backend.delete(collection, ids);
}
