import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { IndexHit, IndexSearchOptions } from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { JsonValue } from '../model/item.js';
import type { IndexDefinition } from '../model/index-definition.js';
import type { CollectionInfo } from '../model/collection.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import type { PlannerHints } from '../contracts/planner-hints.js';
import {
  COMPRESSION_PARAM,
  type CompressionOptions,
  isTrivial,
  normalizeCompression,
  pluginParams,
  specToJson,
} from '../compression/compression-spec.js';
import { validateUserName } from '../validation/validate-name.js';
import { IndexRuntime, type ProgressFn, type SyncResult } from './index-runtime.js';
import type { IndexStatus, StalePolicy } from './index-status.js';
import { KeyedMutex } from './keyed-mutex.js';
import { HISTORY_KEEP, IndexHistory } from './index-history.js';
import { pastSpan, telemetry } from '../telemetry/telemetry.js';
import type { IndexEvent, IndexEventKind, RebuildCause } from '../model/index-event.js';

export interface CreateIndexOptions {
  name: string;
  /** Index plugin name, e.g. `hnswlib` (its package must be in the config's `plugins`). */
  plugin: string;
  /** One or more collections with the same dimensions and metric (an alias stands for its collection now). */
  collections: string[];
  params?: { [key: string]: JsonValue };
  /** Make it the default index of each of its collections. */
  default?: boolean;
  /**
   * How the index stores its copy of the vectors (default `float32`); the plugin must list it in
   * its `precisions`. The store keeps the full vectors either way.
   */
  precision?: CompressionOptions['precision'];
  /** int8: fit one range for all dimensions (`global`, default) or one per dimension. */
  calibration?: CompressionOptions['calibration'];
  /**
   * Re-rank `k × oversample` candidates with the store's full vectors so distances are exact
   * (default on, oversample 2 / 4 / 10 for float16 / int8 / binary, 4 with a reduction).
   */
  rescore?: CompressionOptions['rescore'];
  /**
   * Index fewer dimensions than the collection has: `{ method: 'truncate', dimensions: 256 }`
   * (Matryoshka: the first 256) or `{ method: 'pca', dimensions: 128, sample?: 4096 }` (fitted on
   * the first `sample` vectors at each build, applied to every query).
   *
   * ```ts
   * await vx.indexes.create({ name: 'docs-pca', plugin: 'usearch', collections: ['docs'], reduce: { method: 'pca', dimensions: 128 } })
   * ```
   */
  reduce?: CompressionOptions['reduce'];
}

export interface IndexQuery {
  k: number;
  allow?: (key: { collection: string; id: string }) => boolean;
  /** The structured form of `allow` (see `IndexSearchOptions.where`). */
  where?: IndexSearchOptions['where'];
  /** See `IndexSearchOptions.selectivity`. */
  selectivity?: number;
  params?: { [key: string]: JsonValue };
  /** What to do when the index is behind the store (default `sync`). */
  stale?: StalePolicy;
  /**
   * The store's change token (`StorageBackend.changeToken`), read before anything this query
   * read from the store: when the index was found current under an equal token, the freshness
   * check reads nothing. Left out, it reads the head cursor.
   */
  token?: string;
}

/**
 * Index lifecycle: `vx.indexes`. Definitions and sync state live in the backend, so every
 * process that opens the store sees them; index files live under `<dataDir>/indexes/<name>/`.
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-hnsw', plugin: 'hnswlib', collections: ['docs'], default: true })
 * await vx.indexes.build('docs-hnsw')
 * await docs.upsert(more)
 * await vx.indexes.sync('docs-hnsw')   // applies only what changed
 * ```
 */
export class Indexes {
  readonly #backend: StorageBackend;
  readonly #plugins: PluginRegistry;
  readonly #dataDir: string;
  readonly #open = new Map<string, Promise<IndexRuntime>>();
  /** The runtimes of `#open` whose opening succeeded, for the per-query path (no await, no store read). */
  readonly #ready = new Map<string, IndexRuntime>();
  readonly #lock = new KeyedMutex();
  readonly #history: IndexHistory;

  /** A collection by name or alias (`vx.aliases.resolve`), for `create`; by name only without aliases. */
  readonly #resolve: (name: string) => Promise<CollectionInfo | null>;

  constructor(
    backend: StorageBackend,
    plugins: PluginRegistry,
    dataDir: string,
    resolve: (name: string) => Promise<CollectionInfo | null> = (n) => backend.getCollection(n),
  ) {
    this.#backend = backend;
    this.#resolve = resolve;
    this.#history = new IndexHistory(backend);
    this.#plugins = plugins;
    this.#dataDir = dataDir;
  }

  /**
   * Define an index (it is empty until `build`). A name in `collections` may be an alias: the
   * index is defined over the collection it points to now (the definition names that collection,
   * and does not follow a later repoint: index the new collection before switching the alias).
   */
  async create(options: CreateIndexOptions): Promise<IndexDefinition> {
    const name = validateUserName('index', options.name);
    const plugin = this.#plugins.index(options.plugin);
    if (!Array.isArray(options.collections) || options.collections.length === 0) {
      throw errors.invalidArgument('collections', 'a non-empty array of collection names', options.collections);
    }
    const asked = options.collections.map((c) => validateUserName('collection', c));
    // An alias names the collection it points to now: the definition holds that collection (it
    // does not follow a later repoint of the alias; index the new collection before switching).
    const infos: CollectionInfo[] = [];
    for (const c of asked) {
      const info = await this.#resolve(c);
      if (info === null)
        throw errors.unknownCollection(
          c,
          (await this.#backend.listCollections()).map((x) => x.name).filter((n) => !isReservedCollectionName(n)),
        );
      if (!infos.some((i) => i.name === info.name)) infos.push(info);
    }
    const names = infos.map((i) => i.name);
    if (plugin.singleCollection === true && names.length > 1) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `index plugin ${plugin.name} indexes one collection (it lives in that collection's table), got ${names.length}: ${names.join(', ')}; create one index per collection`,
        { details: { plugin: plugin.name, collections: names } },
      );
    }
    const first = infos[0] as (typeof infos)[number];
    for (const info of infos) {
      if (info.dimensions !== first.dimensions || info.metric !== first.metric) {
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `an index spans collections of one shape: "${first.name}" is ${first.dimensions}-d ${first.metric}, "${info.name}" is ${info.dimensions}-d ${info.metric}`,
          { details: { collections: names } },
        );
      }
    }
    if (!plugin.metrics.includes(first.metric))
      throw errors.unsupportedMetric(first.metric, plugin.metrics, `index plugin ${plugin.name}`);
    if ((await this.#backend.getIndexDefinition(name)) !== null) {
      throw new VecdexError('INDEX_EXISTS', `index "${name}" already exists`, { details: { index: name } });
    }
    const given = options.params ?? {};
    const inParams = given[COMPRESSION_PARAM];
    const compression = normalizeCompression(
      {
        ...(typeof inParams === 'object' && inParams !== null && !Array.isArray(inParams)
          ? (inParams as CompressionOptions)
          : {}),
        ...definedOnly({
          precision: options.precision,
          calibration: options.calibration,
          rescore: options.rescore,
          reduce: options.reduce,
        }),
      },
      { plugin: plugin.name, precisions: plugin.precisions ?? ['float32'], dimensions: first.dimensions, metric: first.metric },
    );
    const params = plugin.normalizeParams(pluginParams(given));
    const refusal =
      compression === null
        ? null
        : (plugin.checkCompression?.({
            precision: compression.precision,
            reduce: compression.reduce,
            metric: first.metric,
            params,
          }) ?? null);
    if (refusal !== null) {
      throw new VecdexError('NOT_SUPPORTED', `index plugin ${plugin.name}: ${refusal}`, {
        details: { plugin: plugin.name, precision: compression?.precision ?? null },
      });
    }
    const definition: IndexDefinition = {
      name,
      plugin: plugin.name,
      collections: names,
      params:
        isTrivial(compression) || compression === null ? params : { ...params, [COMPRESSION_PARAM]: specToJson(compression) },
      createdAt: Date.now(),
    };
    await this.#backend.createIndexDefinition(definition);
    if (options.default === true) for (const c of names) await this.#backend.updateCollection(c, { defaultIndex: name });
    return definition;
  }

  list(): Promise<IndexDefinition[]> {
    return this.#backend.listIndexDefinitions();
  }

  /** The definition, or `UNKNOWN_INDEX`. */
  async get(name: string): Promise<IndexDefinition> {
    const def = await this.#backend.getIndexDefinition(validateUserName('index', name));
    if (def === null) throw errors.unknownIndex(name);
    return def;
  }

  /**
   * The definition, without a store round trip when this process has the index open (searches
   * ask for it on every query). Definitions never change once created; a drop in this process
   * forgets the opened index, so this then reads the store and throws `UNKNOWN_INDEX`. While the
   * index is still opening, or its opening failed, this reads the store, as `get` does.
   */
  async definition(name: string): Promise<IndexDefinition> {
    return this.#ready.get(name)?.definition ?? this.get(name);
  }

  /** The definition of an index this process has open, else undefined (`definition` without the await). */
  opened(name: string): IndexDefinition | undefined {
    return this.#ready.get(name)?.definition;
  }

  /**
   * The cost hints of the definition's plugin for the search planner (`IndexPluginSpec.planner`),
   * or undefined: none given, or the plugin is not loaded (the search then fails naming it).
   */
  plannerHints(definition: IndexDefinition): PlannerHints | undefined {
    return this.#plugins.findIndex(definition.plugin)?.planner;
  }

  /** Build from scratch from the store. */
  build(name: string, options: { onProgress?: ProgressFn } = {}): Promise<IndexStatus> {
    return this.#lock.run(name, async () => {
      const rt = await this.#runtime(name);
      const started = performance.now();
      await rt.build(options.onProgress);
      await this.#record(rt, 'build', started, rt.index.stats().items, null, null);
      return this.#status(rt);
    });
  }

  /** Same as build: from scratch, which also compacts away deleted entries. */
  rebuild(name: string, options: { onProgress?: ProgressFn } = {}): Promise<IndexStatus> {
    return this.build(name, options);
  }

  /** Apply only the changes committed since the index's cursor. */
  sync(name: string, options: { onProgress?: ProgressFn } = {}): Promise<SyncResult> {
    return this.#lock.run(name, async () => this.#syncRecorded(await this.#runtime(name), options.onProgress));
  }

  /**
   * The index's builds, syncs (those that applied something) and automatic rebuilds, newest
   * first, as kept in the store (the newest 500 per index): when, how long, how many items, and
   * for a rebuild why. `status(name).history` summarises them (recent ones, rebuild rate).
   *
   * ```ts
   * const [last] = await vx.indexes.history('docs-hnsw', { limit: 1 })
   * last.kind === 'rebuild' && last.cause   // 'compaction'
   * ```
   */
  async history(name: string, options: { limit?: number } = {}): Promise<IndexEvent[]> {
    const def = await this.get(name);
    const limit = options.limit ?? HISTORY_KEEP;
    if (!Number.isSafeInteger(limit) || limit < 1) throw errors.invalidArgument('limit', 'a positive integer', limit);
    return this.#history.list(def.name, limit);
  }

  /** `rt.sync`, with what it did recorded in the index's history. */
  async #syncRecorded(rt: IndexRuntime, onProgress?: ProgressFn): Promise<SyncResult> {
    const started = performance.now();
    const result = await rt.sync(onProgress);
    if (result.rebuilt !== null) {
      await this.#record(rt, 'rebuild', started, rt.index.stats().items, result.rebuilt, result.cause ?? null);
    } else if (result.applied > 0) {
      await this.#record(rt, 'sync', started, result.applied, null, null);
    }
    return result;
  }

  async #record(
    rt: IndexRuntime,
    kind: IndexEventKind,
    started: number,
    items: number,
    reason: string | null,
    cause: RebuildCause | null,
  ): Promise<void> {
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const at = Date.now();
    const index = rt.definition.name;
    if (telemetry() !== null) {
      pastSpan(`vecdex.index.${kind}`, at - durationMs, at, {
        'vecdex.index': index,
        'vecdex.plugin': rt.definition.plugin,
        'vecdex.items': items,
        'vecdex.duration_ms': durationMs,
        'vecdex.rebuild.reason': reason ?? undefined,
        'vecdex.rebuild.cause': cause ?? undefined,
      });
      if (kind === 'rebuild')
        telemetry()?.indexRebuilds.add(1, { 'vecdex.index': index, 'vecdex.rebuild.cause': cause ?? 'other' });
    }
    await this.#history.record({ index, kind, at, durationMs, items, reason, cause });
  }

  async status(name: string): Promise<IndexStatus> {
    return this.#status(await this.#runtime(name));
  }

  /** Drop the index: its files, its definition, and any collection's default pointing at it. */
  drop(name: string): Promise<boolean> {
    return this.#lock.run(name, async () => {
      const def = await this.#backend.getIndexDefinition(validateUserName('index', name));
      if (def === null) return false;
      const opening = this.#open.get(name);
      this.#open.delete(name);
      this.#ready.delete(name);
      const rt = opening === undefined ? null : await opening.catch(() => null);
      if (rt !== null) {
        await rt.drop();
        await rt.close();
      }
      await rm(path.join(this.#dataDir, 'indexes', name), { recursive: true, force: true });
      await this.#history.forget(name);
      for (const c of def.collections) {
        const info = await this.#backend.getCollection(c);
        if (info?.defaultIndex === name) await this.#backend.updateCollection(c, { defaultIndex: null });
      }
      return this.#backend.deleteIndexDefinition(name);
    });
  }

  /** k-NN through the index, after dealing with staleness per `stale`. */
  async search(
    name: string,
    vector: Float32Array,
    query: IndexQuery,
  ): Promise<{ hits: IndexHit[]; pending: number; synced: number }> {
    // Current under the query's change token: nothing to check, straight to the plugin.
    const ready = this.#ready.get(name);
    if (ready?.currentAt(query.token)) return { hits: await ready.search(vector, searchOptions(query)), pending: 0, synced: 0 };
    const { rt, pending, synced } = await this.#current(name, query.stale, query.token);
    return { hits: await rt.search(vector, searchOptions(query)), pending, synced };
  }

  /**
   * k-NN for many query vectors with the same options, through the plugin's `searchMany` (which
   * may use every core: usearch's does) or, for plugins without it, `search` one query at a
   * time. Staleness is dealt with once for the whole batch. One hit list per vector, in order.
   *
   * ```ts
   * const { hits } = await vx.indexes.searchMany('docs-us', [q1, q2, q3], { k: 10, params: { efSearch: 64 } })
   * hits[1]   // the 10 nearest to q2
   * ```
   */
  async searchMany(
    name: string,
    vectors: readonly Float32Array[],
    query: IndexQuery,
  ): Promise<{ hits: IndexHit[][]; pending: number; synced: number }> {
    if (!Array.isArray(vectors) || !vectors.every((v) => v instanceof Float32Array)) {
      throw errors.invalidArgument('vectors', 'an array of Float32Array query vectors', vectors);
    }
    const { rt, pending, synced } = await this.#current(name, query.stale);
    if (vectors.length === 0) return { hits: [], pending, synced };
    return { hits: await rt.searchMany(vectors, searchOptions(query)), pending, synced };
  }

  /**
   * The opened runtime, synced (or refused) per `stale` when it is behind the store. `synced`:
   * the changes this call applied first (the default `stale: 'sync'`), so a plan can say so.
   */
  async #current(
    name: string,
    stale: StalePolicy | undefined,
    token?: string,
  ): Promise<{ rt: IndexRuntime; pending: number; synced: number }> {
    const rt = this.#ready.get(name) ?? (await this.#runtime(name));
    let pending = await rt.pending(token);
    let synced = 0;
    if (pending > 0 || !rt.built) {
      const policy = stale ?? 'sync';
      if (policy === 'error') {
        throw new VecdexError(
          'INDEX_STALE',
          `index "${name}" is ${rt.built ? `${pending} change(s) behind` : 'not built'}; run \`vecdex index sync ${name}\` or search with stale: 'sync'`,
          { details: { index: name, pending } },
        );
      }
      if (policy === 'sync') {
        await this.sync(name);
        synced = pending;
        pending = 0;
      }
    }
    return { rt, pending, synced };
  }

  /**
   * Export the index in its plugin's own file format (after applying pending changes), for use
   * outside vecdex; `NOT_SUPPORTED` when the plugin has no `export`. See `VectorIndex.export`.
   */
  export(name: string, file: string): Promise<{ [key: string]: JsonValue }> {
    return this.#lock.run(name, async () => {
      const rt = await this.#runtime(name);
      const index = rt.index;
      if (typeof index.export !== 'function') {
        throw new VecdexError(
          'NOT_SUPPORTED',
          `index "${name}" (plugin ${rt.definition.plugin}) cannot be exported; only plugins with an export method can (e.g. faiss)`,
          { details: { index: name, plugin: rt.definition.plugin } },
        );
      }
      if (!rt.built || (await rt.pending()) > 0) await this.#syncRecorded(rt);
      return index.export(file);
    });
  }

  /** Close every opened index instance (files stay). */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    this.#ready.clear();
    for (const opening of all) {
      const rt = await opening.catch(() => null);
      if (rt !== null) await rt.close();
    }
  }

  /** The opened runtime; concurrent callers share one opening, and a failed opening is retried next time. */
  #runtime(name: string): Promise<IndexRuntime> {
    const cached = this.#open.get(name);
    if (cached !== undefined) return cached;
    const opening = (async () => {
      const def = await this.get(name);
      const deps = { backend: this.#backend, plugins: this.#plugins, dataDir: this.#dataDir };
      const started = performance.now();
      const { runtime, rebuilt } = await IndexRuntime.open(def, deps);
      if (rebuilt !== null) {
        await this.#record(runtime, 'rebuild', started, runtime.index.stats().items, rebuilt, runtime.lastRebuildCause);
      }
      return runtime;
    })();
    this.#open.set(name, opening);
    opening.then(
      (rt) => {
        if (this.#open.get(name) === opening) this.#ready.set(name, rt);
      },
      () => this.#open.delete(name),
    );
    return opening;
  }

  async #status(rt: IndexRuntime): Promise<IndexStatus> {
    const stats = rt.built ? rt.index.stats() : null;
    const items = stats?.items ?? 0;
    const deleted = stats?.deleted ?? 0;
    return {
      definition: rt.definition,
      built: rt.built,
      cursor: rt.state?.cursor ?? null,
      pendingChanges: await rt.pending(),
      items,
      deleted,
      deletedFraction: items + deleted === 0 ? 0 : deleted / (items + deleted),
      bytesOnDisk: stats?.bytesOnDisk ?? null,
      lastSync: rt.state?.updatedAt ?? null,
      stats,
      lastRebuild: rt.lastRebuildReason,
      history: await this.#history.summary(rt.definition.name),
    };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The plugin's search options from a query (only the members given; plain assignments: this runs per query). */
function searchOptions(query: IndexQuery): IndexSearchOptions {
  const out: IndexSearchOptions = { k: query.k };
  if (query.allow) out.allow = query.allow;
  if (query.where) out.where = query.where;
  if (query.selectivity !== undefined) out.selectivity = query.selectivity;
  if (query.params) out.params = query.params;
  return out;
}
