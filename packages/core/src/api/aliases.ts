import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import type { CollectionAlias } from '../model/alias.js';
import type { CollectionInfo } from '../model/collection.js';
import { validateUserName } from '../validation/validate-name.js';
import { type AliasStore, aliasStoreFor } from './alias-store.js';

/**
 * Collection aliases: `vx.aliases`. Every read, write and search through `vx.collection(alias)`,
 * `vx.search({ collections })` and the CLI reaches the collection the alias points to at the
 * moment of the call (one lookup per call, so a call never mixes two targets). The zero-downtime
 * model change: re-embed `docs_v1` into `docs_v2` (`reembed()`), then one `set`.
 *
 * ```ts
 * await vx.aliases.set('docs', 'docs_v1')
 * await vx.collection('docs').similar({ text: 'rotate keys' })   // searches docs_v1
 * await vx.aliases.set('docs', 'docs_v2')                        // atomic switch
 * ```
 */
export class Aliases {
  readonly #backend: StorageBackend;
  readonly #store: AliasStore;

  constructor(backend: StorageBackend) {
    this.#backend = backend;
    this.#store = aliasStoreFor(backend);
  }

  /**
   * Point `alias` at `collection` (creating or repointing it, atomically). Refused when a
   * collection is named `alias`, or `collection` does not exist or is itself an alias (no chains).
   * Returns the previous target, or null.
   */
  async set(alias: string, collection: string): Promise<{ previous: string | null }> {
    validateUserName('collection', alias);
    validateUserName('collection', collection);
    if (alias === collection) throw errors.invalidArgument('collection', 'a collection other than the alias itself', collection);
    if ((await this.#backend.getCollection(alias)) !== null) {
      throw new VecdexError('COLLECTION_EXISTS', `"${alias}" is a collection; an alias needs a name no collection has`, {
        details: { alias },
      });
    }
    if ((await this.#backend.getCollection(collection)) === null) {
      if ((await this.#store.get(collection)) !== null) {
        throw new VecdexError('INVALID_ARGUMENT', `"${collection}" is an alias itself; point "${alias}" at a collection`, {
          details: { alias, collection },
        });
      }
      throw errors.unknownCollection(collection, await this.#userCollections());
    }
    const previous = await this.#store.get(alias);
    await this.#store.set(alias, collection, Date.now());
    return { previous: previous?.collection ?? null };
  }

  /** The alias, or null. */
  async get(alias: string): Promise<CollectionAlias | null> {
    return this.#store.get(validateUserName('collection', alias));
  }

  /** Every alias, by name. */
  async list(): Promise<CollectionAlias[]> {
    return this.#store.list();
  }

  /** Remove an alias (its collection stays). False when there was none. */
  async delete(alias: string): Promise<boolean> {
    return this.#store.delete(validateUserName('collection', alias));
  }

  /** Aliases pointing at `collection` (a collection with any is not deleted). */
  async pointingAt(collection: string): Promise<string[]> {
    return (await this.#store.list()).filter((a) => a.collection === collection).map((a) => a.alias);
  }

  /**
   * A collection by name or alias: the collection of that name, else the one the alias of that
   * name points to, else null. One alias lookup, only when no collection has the name.
   */
  async resolve(name: string): Promise<CollectionInfo | null> {
    const direct = await this.#backend.getCollection(name);
    if (direct !== null || isReservedCollectionName(name)) return direct;
    const alias = await this.#store.get(name);
    return alias === null ? null : this.#backend.getCollection(alias.collection);
  }

  async #userCollections(): Promise<string[]> {
    return (await this.#backend.listCollections()).map((c) => c.name).filter((n) => !isReservedCollectionName(n));
  }
}
