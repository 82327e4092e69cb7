import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { Indexes } from '../indexes/index-manager.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import type { CollectionInfo } from '../model/collection.js';
import { validateUserName } from '../validation/validate-name.js';
import type { QueryTarget } from './prepare-query.js';
import type { Aliases } from './aliases.js';

/**
 * Where `vx.search()` / `vx.similar()` run. With `index`: its collections, or the named subset
 * of them, searched through it (or exactly with `exact: true`). With only `collections`: those,
 * through their common default index when they share one that covers them all, else exactly.
 * The collections must share dimensions and metric (an index's always do).
 */
export async function resolveIndexTarget(
  backend: StorageBackend,
  indexes: Indexes,
  aliases: Aliases | null,
  request: { index?: string; collections?: readonly string[] },
): Promise<QueryTarget> {
  const { index, collections } = request;
  if (index === undefined && collections === undefined) {
    throw errors.invalidArgument('search', 'an index or a list of collections to search, e.g. { index: "all-notes" }', request);
  }
  let names: string[] | undefined;
  if (collections !== undefined) {
    if (!Array.isArray(collections) || collections.length === 0) {
      throw errors.invalidArgument('collections', 'a non-empty array of collection names', collections);
    }
    names = collections.map((c) => validateUserName('collection', c));
    // Aliases resolve to their collections once, here: the whole search uses those.
    if (aliases !== null) {
      names = await Promise.all(
        names.map(async (n) => ((await backend.getCollection(n)) === null ? ((await aliases.resolve(n))?.name ?? n) : n)),
      );
    }
    names = [...new Set(names)];
  }
  const def = index === undefined ? null : await indexes.get(index);
  if (def !== null) {
    const uncovered = names?.find((n) => !def.collections.includes(n));
    if (uncovered !== undefined) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `index "${def.name}" does not cover collection "${uncovered}" (it covers ${def.collections.join(', ')}); leave it out, or search it with exact: true and no index`,
        { details: { index: def.name, collection: uncovered } },
      );
    }
    names ??= [...def.collections];
  }
  const infos: CollectionInfo[] = [];
  for (const name of names as string[]) {
    const info = await backend.getCollection(name);
    if (info === null) {
      const known = (await backend.listCollections()).map((c) => c.name).filter((n) => !isReservedCollectionName(n));
      throw errors.unknownCollection(name, known);
    }
    infos.push(info);
  }
  const first = infos[0] as CollectionInfo;
  for (const info of infos) {
    if (info.dimensions !== first.dimensions || info.metric !== first.metric) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `collections searched together must have one shape: "${first.name}" is ${first.dimensions}-d ${first.metric}, "${info.name}" is ${info.dimensions}-d ${info.metric}`,
        { details: { collections: names } },
      );
    }
  }
  return {
    collections: infos,
    defaultIndex: def?.name ?? (await commonDefault(indexes, infos)),
    what: infos.length === 1 ? `collection "${first.name}"` : `collections ${infos.map((c) => c.name).join(', ')}`,
  };
}

/** The default index every collection names, when it covers all of them. */
async function commonDefault(indexes: Indexes, infos: readonly CollectionInfo[]): Promise<string | null> {
  const name = (infos[0] as CollectionInfo).defaultIndex;
  if (name === null || infos.some((c) => c.defaultIndex !== name)) return null;
  const def = await indexes.definition(name);
  return infos.every((c) => def.collections.includes(c.name)) ? name : null;
}
