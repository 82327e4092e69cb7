import type { ProgressEvent, SearchHit, Vecdex } from '@vecdex/core';
import { CliError } from '../cli-error.js';
import type { BenchQuery, QuerySet } from './bench-queries.js';
import type { BenchResult, IndexBench } from './bench-result.js';
import { type SearchFn, measureQueries } from './measure-queries.js';
import { type SweepOverride, sweepFor, sweepRuns } from './sweep.js';

export interface RunBenchOptions {
  collection: string;
  k: number;
  queries: QuerySet;
  /** Only these indexes (default: every index over the collection). */
  only?: readonly string[];
  /** Temporary indexes standing for `--compare` configurations: name → label (always measured). */
  configs?: ReadonlyMap<string, string>;
  sweeps: readonly SweepOverride[];
  /** Time a rebuild of each index (the build time column); false: sync only. */
  build: boolean;
  /** Progress hooks; each phase gets its own display. */
  progress: {
    build(index: string): { onProgress: (e: ProgressEvent) => void; finish(): void };
    queries(label: string, total: number): { update(done: number): void; finish(): void };
  };
}

/** The query item itself is left out of its results: ask for one more and drop it. */
function dropSelf(q: BenchQuery, hits: SearchHit[], collection: string, k: number): SearchHit[] {
  const kept = q.self === null ? hits : hits.filter((h) => !(h.id === q.self && h.collection === collection));
  return kept.slice(0, k);
}

/**
 * Measure exact search, then every index over the collection at each point of its sweep, on the
 * same queries. Each index is rebuilt (timed) or synced first, and then searched with
 * `stale: 'error'`, so a write landing mid-run fails the benchmark instead of skewing it.
 */
export async function runBench(vx: Vecdex, options: RunBenchOptions): Promise<Omit<BenchResult, 'report'>> {
  const { k, queries: set } = options;
  const collection = vx.collection(options.collection);
  const info = await collection.info();
  const items = await collection.count();
  const defs = (await vx.indexes.list()).filter((d) => d.collections.includes(info.name));
  const configs = options.configs ?? new Map<string, string>();
  const chosen =
    options.only === undefined && configs.size === 0
      ? defs
      : defs.filter((d) => options.only?.includes(d.name) || configs.has(d.name));
  for (const name of options.only ?? []) {
    if (!defs.some((d) => d.name === name)) {
      throw new CliError('UNKNOWN_INDEX', `no index "${name}" over collection "${info.name}"`, {
        hint: `indexes over it: ${defs.map((d) => d.name).join(', ') || 'none'} (see \`vecdex index list\`)`,
      });
    }
  }
  for (const o of options.sweeps) {
    if (o.index !== null && !chosen.some((d) => d.name === o.index)) {
      throw new CliError('UNKNOWN_INDEX', `--sweep names index "${o.index}", which is not benchmarked here`, {
        hint: `indexes over "${info.name}": ${defs.map((d) => d.name).join(', ') || 'none'}`,
      });
    }
  }
  const qs = set.queries;
  const run = async (label: string, search: SearchFn, truth: SearchHit[][] | null) => {
    const bar = options.progress.queries(label, qs.length);
    try {
      return await measureQueries(qs, k, search, truth, (d) => bar.update(d));
    } finally {
      bar.finish();
    }
  };

  const exactSearch: SearchFn = async (q, kk) => {
    const r = await collection.search(q.vector, { k: kk + (q.self === null ? 0 : 1), exact: true, include: {} });
    return { hits: dropSelf(q, r.hits, info.name, kk), plan: r.plan };
  };
  const exact = await run('exact search', exactSearch, null);
  const truth = exact.results;

  const indexes: IndexBench[] = [];
  for (const def of chosen) {
    let buildSeconds: number | null = null;
    const bar = options.progress.build(def.name);
    try {
      // A rebuild reads the whole store, so it also leaves the index with nothing pending.
      if (options.build) {
        const start = performance.now();
        await vx.indexes.rebuild(def.name, { onProgress: bar.onProgress });
        buildSeconds = (performance.now() - start) / 1000;
      } else {
        await vx.indexes.sync(def.name, { onProgress: bar.onProgress });
      }
    } finally {
      bar.finish();
    }
    const status = await vx.indexes.status(def.name);
    const sweep = sweepFor(def, options.sweeps);
    const bench: IndexBench = {
      name: def.name,
      plugin: def.plugin,
      params: def.params,
      buildSeconds,
      bytesOnDisk: status.bytesOnDisk,
      bytesPerVector: bytesPerVector(status.stats, info.dimensions),
      config: configs.get(def.name) ?? null,
      items: status.items,
      sweep: sweep?.param ?? null,
      runs: [],
    };
    for (const params of sweepRuns(sweep)) {
      const search: SearchFn = async (q, kk) => {
        const r = await collection.search(q.vector, {
          k: kk + (q.self === null ? 0 : 1),
          index: def.name,
          params,
          stale: 'error',
          include: {},
        });
        return { hits: dropSelf(q, r.hits, info.name, kk), plan: r.plan };
      };
      const label = `${def.name}${sweep === null ? '' : ` ${sweep.param}=${String(params[sweep.param])}`}`;
      const { measurement } = await run(label, search, truth);
      bench.runs.push({ params, ...measurement, speedup: measurement.qps / exact.measurement.qps });
    }
    indexes.push(bench);
  }
  return {
    collection: info.name,
    dimensions: info.dimensions,
    metric: info.metric,
    items,
    k,
    queries: { count: qs.length, source: set.source, seed: set.seed, file: set.file },
    exact: { ...exact.measurement, speedup: 1 },
    indexes,
    date: new Date().toISOString(),
  };
}

/** The index's bytes for one vector: what a compressed index reports, else float32 at full dimensions for a plain one. */
function bytesPerVector(stats: { [key: string]: unknown } | null, dimensions: number): number | null {
  if (stats === null) return null;
  if (typeof stats.compactBytesPerVector === 'number') return stats.compactBytesPerVector;
  if (typeof stats.bytesPerRow === 'number') return stats.bytesPerRow;
  return dimensions * 4;
}
