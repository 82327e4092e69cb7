import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IndexContext, IndexPluginSpec, VectorIndex } from '../../contracts/index-plugin.js';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { VecdexError } from '../../errors/vecdex-error.js';
import type { JsonValue } from '../../model/item.js';
import type { Metric } from '../../model/metric.js';

/** Options of {@link indexConformanceSuite}. */
export interface IndexConformanceOptions {
  /** The plugin under test: the default export of your package (made by `definePlugin`). */
  plugin: IndexPluginSpec;
  /** Shown in the top-level `describe()`; defaults to the plugin's name. */
  name?: string;
  /**
   * The plugin returns the exact k nearest (a flat or brute-force index): every search must
   * match brute force rank by rank. Otherwise searches are held to `minRecall`.
   */
  exact?: boolean;
  /** Smallest mean recall@k over a test's queries for an approximate plugin (default 0.9). */
  minRecall?: number;
  /** Index parameters for every index the suite opens (passed through `normalizeParams`). */
  params?: { [key: string]: JsonValue };
  /** Per-query parameters given to every search, e.g. `{ efSearch: 128 }`. */
  searchParams?: { [key: string]: JsonValue };
  /**
   * Parameters `normalizeParams` must refuse with `INVALID_ARGUMENT`, each with the parameter
   * name its message must contain. Default: one unknown parameter, `{ notAParameter: 1 }`.
   */
  invalidParams?: readonly { params: { [key: string]: JsonValue }; name: string }[];
  /** A store for plugins that live inside one (`IndexContext.backend`); others never touch it. */
  backend?: () => StorageBackend | Promise<StorageBackend>;
  /** Vector dimensions of the test data (default 16). */
  dimensions?: number;
}

/** What each area of the index suite receives. Instances and directories are cleaned up after each test. */
export interface IndexSuiteContext {
  readonly options: IndexConformanceOptions;
  readonly plugin: IndexPluginSpec;
  readonly exact: boolean;
  readonly minRecall: number;
  readonly dimensions: number;
  /** The metric tests use when the metric does not matter (l2 when supported). */
  readonly defaultMetric: Metric;
  /** A fresh, empty directory, removed after the test. */
  directory(): Promise<string>;
  /** Open an instance on `directory` (a fresh one when omitted); closed after the test. */
  open(metric?: Metric, directory?: string): Promise<{ index: VectorIndex; directory: string }>;
  cleanup(): Promise<void>;
}

/** The collections every index of the suite spans; ids overlap between them. */
export const COLLECTIONS = ['a', 'b', 'c'] as const;
const CREATED_AT = 1_700_000_000_000;

export function createIndexContext(options: IndexConformanceOptions): IndexSuiteContext {
  const plugin = options.plugin;
  let instances: VectorIndex[] = [];
  let directories: string[] = [];
  const ctx: IndexSuiteContext = {
    options,
    plugin,
    exact: options.exact === true,
    minRecall: options.minRecall ?? 0.9,
    dimensions: options.dimensions ?? 16,
    defaultMetric: plugin.metrics.includes('l2') ? 'l2' : (plugin.metrics[0] ?? 'l2'),
    async directory() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-index-conformance-'));
      directories.push(dir);
      return dir;
    },
    async open(metric = ctx.defaultMetric, directory) {
      const dir = directory ?? (await ctx.directory());
      const backend = options.backend ? await options.backend() : noBackend();
      const context: IndexContext = {
        definition: {
          name: 'conformance',
          plugin: plugin.name,
          collections: [...COLLECTIONS],
          params: plugin.normalizeParams(options.params ?? {}),
          createdAt: CREATED_AT,
        },
        dimensions: ctx.dimensions,
        metric,
        directory: dir,
        backend,
      };
      const index = await plugin.open(context);
      instances.push(index);
      return { index, directory: dir };
    },
    async cleanup() {
      const toClose = instances;
      const toRemove = directories;
      instances = [];
      directories = [];
      // Closing twice is not part of the contract: errors from already closed instances are ignored.
      for (const i of toClose) await i.close().catch(() => undefined);
      for (const d of toRemove) await rm(d, { recursive: true, force: true });
    },
  };
  return ctx;
}

/** A stand-in store that refuses every call, for plugins that keep their data in files. */
function noBackend(): StorageBackend {
  return new Proxy({} as StorageBackend, {
    get(_target, property) {
      if (property === 'then') return undefined;
      return () => {
        throw new VecdexError(
          'NOT_SUPPORTED',
          `the index conformance suite gives plugins no store (called backend.${String(property)}); pass \`backend\` in the suite's options if your plugin needs one`,
        );
      };
    },
  });
}
