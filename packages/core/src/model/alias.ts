/**
 * A collection alias: another name for a collection. Reads, searches and writes through the
 * alias reach the collection it points to now; `vx.aliases.set()` repoints it in one write, so an
 * application searching `docs` moves from `docs_v1` to `docs_v2` without a restart.
 */
export interface CollectionAlias {
  /** The alias (a collection name no collection has). */
  alias: string;
  /** The collection it points to. */
  collection: string;
  /** When it was last set (ms since the epoch). */
  updatedAt: number;
}
