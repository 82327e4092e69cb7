import type { StorageBackend } from '../contracts/storage-backend.js';
import type { ResolvedConfig } from '../config/vecdex-config.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { Indexes } from '../indexes/index-manager.js';
import { validateName } from '../validation/validate-name.js';
import { Collection } from './collection.js';
import { Collections } from './collections.js';

/**
 * An open vecdex store: a backend plus the loaded plugins. Make one with `openVecdex()`.
 *
 * ```ts
 * const vx = await openVecdex()
 * await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'cosine' })
 * await vx.collection('docs').upsert([{ id: 'a', vector: [1, 0, 0] }])
 * await vx.close()
 * ```
 */
export class Vecdex {
  /** The storage backend, for operations the collection API does not cover. */
  readonly backend: StorageBackend;
  readonly config: ResolvedConfig;
  readonly plugins: PluginRegistry;
  readonly collections: Collections;
  /** Index lifecycle: create, build, sync, status, drop. */
  readonly indexes: Indexes;
  #closed = false;

  constructor(backend: StorageBackend, config: ResolvedConfig, plugins: PluginRegistry) {
    this.backend = backend;
    this.config = config;
    this.plugins = plugins;
    this.collections = new Collections(backend);
    this.indexes = new Indexes(backend, plugins, config.dataDir);
  }

  /** A handle on a collection (no I/O until used). */
  collection(name: string): Collection {
    return new Collection(validateName('collection', name), this.backend, this.indexes);
  }

  /** Close the backend. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.indexes.close();
    } finally {
      await this.backend.close();
    }
  }
}
