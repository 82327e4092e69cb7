/**
 * Collections core creates for itself start with this prefix. `validateName` (the rule a store
 * must accept) allows it; every name a user gives core is refused with it (`validateUserName`),
 * so no user collection can take such a name, and `collections.list()` leaves them out.
 */
export const RESERVED_COLLECTION_PREFIX = '_vecdex.';

/** True for a name core reserves for its own collections (the embedding cache). */
export function isReservedCollectionName(name: string): boolean {
  return name.startsWith(RESERVED_COLLECTION_PREFIX);
}
