import type { JsonValue, Metric } from '@vecdex/core';
import type { Measurement } from './measure-queries.js';

/** One point of a sweep: per-query params and what they gave. */
export interface BenchRun extends Measurement {
  params: { [key: string]: JsonValue };
  /** QPS divided by exact search's QPS on the same queries. */
  speedup: number;
}

/** One index's results. */
export interface IndexBench {
  name: string;
  plugin: string;
  params: { [key: string]: JsonValue };
  /** Seconds a timed rebuild took; null with --no-build. */
  buildSeconds: number | null;
  bytesOnDisk: number | null;
  /** Bytes of the index's copy of one vector (its precision × indexed dimensions); null when unknown. */
  bytesPerVector: number | null;
  /** A `--compare` configuration this temporary index stood for (e.g. `int8`, `pca:128 (no rescore)`), else null. */
  config: string | null;
  items: number;
  /** The parameter swept (null: measured once with the index's defaults). */
  sweep: string | null;
  runs: BenchRun[];
}

/** What `vecdex bench` prints with --json. */
export interface BenchResult {
  collection: string;
  dimensions: number;
  metric: Metric;
  items: number;
  k: number;
  queries: { count: number; source: 'sample' | 'file'; seed: number | null; file: string | null };
  /** Exact search on the same queries: the ground truth, and the speed baseline. */
  exact: Omit<BenchRun, 'params'>;
  indexes: IndexBench[];
  /** Files written (absolute paths); null when no report was written. */
  report: { svg: string; html: string } | null;
  date: string;
}
