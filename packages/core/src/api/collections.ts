import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { CollectionInfo, NewCollection } from '../model/collection.js';
import { validateCollectionSpec } from '../validation/validate-collection-spec.js';
import { validateFilterable } from '../validation/validate-filterable.js';
import { validateUserName } from '../validation/validate-name.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import type { Aliases } from './aliases.js';

/** Create, list, inspect and delete collections: `vx.collections`. */
export class Collections {
  readonly #backend: StorageBackend;
  readonly #aliases: Aliases | null;

  constructor(backend: StorageBackend, aliases: Aliases | null = null) {
    this.#backend = backend;
    this.#aliases = aliases;
  }

  /**
   * Create a collection. `metric` defaults to cosine.
   *
   * ```ts
   * await vx.collections.create({ name: 'docs', dimensions: 384, metric: 'cosine' })
   * // filters on `tenant` and `year` answered from indexes (see setFilterable):
   * await vx.collections.create({ name: 'notes', dimensions: 384, metric: 'cosine', filterable: ['tenant', 'year'] })
   * ```
   */
  async create(spec: NewCollection): Promise<CollectionInfo> {
    const valid = validateCollectionSpec(spec, this.#backend.capabilities, this.#backend.name);
    validateUserName('collection', valid.name); // `_vecdex.*` is core's own
    const filterable = spec.filterable === undefined ? [] : this.#filterable(spec.filterable);
    if ((await this.#backend.getCollection(valid.name)) !== null) throw errors.collectionExists(valid.name);
    if ((await this.#aliases?.get(valid.name)) != null) {
      throw new VecdexError(
        'COLLECTION_EXISTS',
        `"${valid.name}" is an alias; remove it first (vx.aliases.delete) or pick another name`,
        {
          details: { collection: valid.name, alias: true },
        },
      );
    }
    const created = await this.#backend.createCollection(valid);
    if (filterable.length === 0) return created;
    try {
      return await this.#backend.updateCollection(valid.name, { filterable });
    } catch (err) {
      await this.#backend.deleteCollection(valid.name); // still empty: nothing of the user's is lost
      throw err;
    }
  }

  /**
   * Declare which metadata fields of a collection are filterable, replacing the declared set.
   * The backend builds an index per new field (over the items already stored, in one
   * transaction) and drops those of fields no longer listed. A filter condition on a declared
   * field then costs what it matches: at 1M items a 1 % filter counts and lists its ids in about
   * a millisecond instead of a full scan of every item's metadata (bench/filter-scale.mjs).
   * Results never change: conditions on undeclared fields, or under `$not`, are evaluated as
   * before. Each declared field adds an index entry to every write of the collection.
   *
   * ```ts
   * await vx.collections.setFilterable('docs', ['tenant', 'year'])
   * await vx.collection('docs').similar(q, { filter: { tenant: 'acme', year: { $gte: 2020 } } })
   * await vx.collections.setFilterable('docs', []) // drop them all
   * ```
   *
   * `name` may be an alias: the collection it points to now gets the fields (an alias has no
   * fields of its own; after a repoint, declare them on the new collection too).
   */
  async setFilterable(name: string, fields: readonly string[]): Promise<CollectionInfo> {
    validateUserName('collection', name);
    const filterable = this.#filterable(fields);
    const target = this.#aliases === null ? name : ((await this.#aliases.resolve(name))?.name ?? name);
    return this.#backend.updateCollection(target, { filterable });
  }

  #filterable(fields: unknown): string[] {
    const valid = validateFilterable(fields);
    if (valid.length > 0 && this.#backend.capabilities.filterableFields !== true) {
      throw errors.notSupported('declaring filterable metadata fields', this.#backend.name);
    }
    return valid;
  }

  /** User collections; core's own (the embedding cache, `_vecdex.*`) are left out. */
  async list(): Promise<CollectionInfo[]> {
    return (await this.#backend.listCollections()).filter((c) => !isReservedCollectionName(c.name));
  }

  /** The collection's info (for an alias, the info of the collection it points to), or null. */
  async get(name: string): Promise<CollectionInfo | null> {
    validateUserName('collection', name);
    return this.#aliases === null ? this.#backend.getCollection(name) : this.#aliases.resolve(name);
  }

  /** Whether a collection of that name exists. */
  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== null;
  }

  /**
   * Delete a collection and all its items. Refused while an index covers it: drop the index first.
   * Returns false if there was no such collection.
   */
  async delete(name: string): Promise<boolean> {
    validateUserName('collection', name);
    const users = (await this.#backend.listIndexDefinitions()).filter((d) => d.collections.includes(name));
    if (users.length > 0) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `collection "${name}" is covered by index(es) ${users.map((u) => `"${u.name}"`).join(', ')}; drop them first`,
        { details: { collection: name, indexes: users.map((u) => u.name) } },
      );
    }
    const aliases = (await this.#aliases?.pointingAt(name)) ?? [];
    if (aliases.length > 0) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `collection "${name}" is the target of alias(es) ${aliases.map((a) => `"${a}"`).join(', ')}; point them elsewhere or remove them first`,
        { details: { collection: name, aliases } },
      );
    }
    return this.#backend.deleteCollection(name);
  }
}
