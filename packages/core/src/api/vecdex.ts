import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import type { ChangeCursor } from '../model/change.js';
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

  /**
   * Delete the change feed's tombstones that no index needs any more: those at or before the
   * oldest cursor of every built index (and of `keep`, cursors your own feed readers hold).
   * Deleted items otherwise leave one tombstone each forever. A reader whose cursor is older
   * (one not listed) gets `CURSOR_EXPIRED` and reads again from the start; an index in that
   * state is rebuilt by its next sync. Throws `NOT_SUPPORTED` when the backend cannot prune.
   */
  async pruneTombstones(options: { keep?: readonly ChangeCursor[] } = {}): Promise<{ deleted: number; readers: number }> {
    const backend = this.backend;
    if (typeof backend.pruneTombstones !== 'function') throw errors.notSupported('pruning tombstones', backend.name);
    const readers: ChangeCursor[] = [...(options.keep ?? [])];
    for (const def of await backend.listIndexDefinitions()) {
      // An index the store maintains itself (a native index) never reads the feed.
      if (this.#maintainedByStore(def.plugin)) continue;
      const state = await backend.getIndexState(def.name);
      // A built index at the very beginning of the feed (cursor null) needs every tombstone.
      if (state !== null && state.cursor === null) return { deleted: 0, readers: readers.length + 1 };
      if (state?.cursor) readers.push(state.cursor);
    }
    return { deleted: await backend.pruneTombstones(readers), readers: readers.length };
  }

  #maintainedByStore(plugin: string): boolean {
    try {
      return this.plugins.index(plugin).maintainedByStore === true;
    } catch {
      return false; // plugin not loaded here: keep what its index may need
    }
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
