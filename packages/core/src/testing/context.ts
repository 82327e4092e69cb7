import type { StorageBackend } from '../contracts/storage-backend.js';
import type { CollectionSpec } from '../model/collection.js';
import { METRICS, type Metric } from '../model/metric.js';

/** Options of {@link backendConformanceSuite}. */
export interface BackendConformanceOptions {
  /** Shown in the top-level `describe()`, e.g. `sqlitevec`. */
  name: string;
  /** Make a fresh, empty store location (a temp file path, a new PostgreSQL schema...). */
  createLocation(): Promise<string>;
  /** Open a backend on a location; opening the same location again must see the same data. */
  open(location: string, options?: OpenOptions): Promise<StorageBackend>;
  /** Remove what `createLocation` made. Called after each test, once its backends are closed. */
  destroyLocation?(location: string): Promise<void>;
  /** Declared gaps. Each skipped test says why in its title. */
  skip?: {
    /** Metrics the backend does not support (they must also be absent from `capabilities.metrics`). */
    metrics?: readonly Metric[];
    /** The backend cannot take an injected clock: the clock tests are skipped. */
    clock?: boolean;
    /**
     * One open backend per store at a time (e.g. a single-process file store): the tests that
     * write through two backends open on the same location are skipped.
     */
    sharedStore?: boolean;
  };
  /**
   * `modified` never decreases along the change feed, even when the clock steps back (the
   * backend clamps it). Default true; set false and the suite instead checks that `modified`
   * is the clock's reading at the write.
   */
  monotonicModified?: boolean;
}

export interface OpenOptions {
  /** Wall clock in ms since the epoch, used for `modified` and `createdAt`. */
  clock?: () => number;
}

/** What each area of the suite receives. Backends opened through it are closed after each test. */
export interface ConformanceContext {
  readonly options: BackendConformanceOptions;
  /** Every metric not declared as a gap. */
  readonly metrics: readonly Metric[];
  readonly skippedMetrics: readonly Metric[];
  /** The metric area tests use when the metric does not matter (l2 when supported). */
  readonly defaultMetric: Metric;
  readonly clockSkipped: boolean;
  readonly monotonicModified: boolean;
  /** A fresh location, removed after the test. */
  location(): Promise<string>;
  /** Open a backend on a location; closed after the test. */
  open(location: string, options?: OpenOptions): Promise<StorageBackend>;
  /** A backend on a fresh, empty location. */
  fresh(options?: OpenOptions): Promise<StorageBackend>;
  /** Close every backend and remove every location of the finished test. */
  cleanup(): Promise<void>;
}

export function createContext(options: BackendConformanceOptions): ConformanceContext {
  const skippedMetrics = options.skip?.metrics ?? [];
  const metrics = METRICS.filter((m) => !skippedMetrics.includes(m));
  let backends: StorageBackend[] = [];
  let locations: string[] = [];
  const ctx: ConformanceContext = {
    options,
    metrics,
    skippedMetrics,
    defaultMetric: metrics.includes('l2') ? 'l2' : (metrics[0] ?? 'l2'),
    clockSkipped: options.skip?.clock === true,
    monotonicModified: options.monotonicModified ?? true,
    async location() {
      const location = await options.createLocation();
      locations.push(location);
      return location;
    },
    async open(location, openOptions) {
      const backend = await options.open(location, openOptions);
      backends.push(backend);
      return backend;
    },
    async fresh(openOptions) {
      return ctx.open(await ctx.location(), openOptions);
    },
    async cleanup() {
      const toClose = backends;
      const toRemove = locations;
      backends = [];
      locations = [];
      // Closing twice is not part of the contract: errors from already closed backends are ignored.
      for (const b of toClose) await b.close().catch(() => undefined);
      if (options.destroyLocation) for (const l of toRemove) await options.destroyLocation(l);
    },
  };
  return ctx;
}

/** A complete collection spec as backends receive it. */
export function spec(name: string, dimensions: number, metric: Metric, model: string | null = null): Required<CollectionSpec> {
  return { name, dimensions, metric, model };
}
