import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { CollectionInfo, CollectionSpec } from '../model/collection.js';
import { validateCollectionSpec } from '../validation/validate-collection-spec.js';
import { validateUserName } from '../validation/validate-name.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';

/** Create, list, inspect and delete collections: `vx.collections`. */
export class Collections {
  readonly #backend: StorageBackend;

  constructor(backend: StorageBackend) {
    this.#backend = backend;
  }

  /**
   * Create a collection. `metric` defaults to cosine.
   *
   * ```ts
   * await vx.collections.create({ name: 'docs', dimensions: 384, metric: 'cosine' })
   * ```
   */
  async create(spec: CollectionSpec): Promise<CollectionInfo> {
    const valid = validateCollectionSpec(spec, this.#backend.capabilities, this.#backend.name);
    validateUserName('collection', valid.name); // `_vecdex.*` is core's own
    if ((await this.#backend.getCollection(valid.name)) !== null) throw errors.collectionExists(valid.name);
    return this.#backend.createCollection(valid);
  }

  /** User collections; core's own (the embedding cache, `_vecdex.*`) are left out. */
  async list(): Promise<CollectionInfo[]> {
    return (await this.#backend.listCollections()).filter((c) => !isReservedCollectionName(c.name));
  }

  /** The collection's info, or null. */
  async get(name: string): Promise<CollectionInfo | null> {
    return this.#backend.getCollection(validateUserName('collection', name));
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
    return this.#backend.deleteCollection(name);
  }
}
