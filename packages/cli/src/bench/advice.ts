import type { BenchResult } from './bench-result.js';

/** One configuration's verdict in `vecdex advise`. */
export interface AdviceRow {
  config: string;
  recall: number;
  qps: number;
  bytesPerVector: number | null;
  /** bytesPerVector / the collection's float32 bytes per vector. */
  memoryRatio: number | null;
  keeps: boolean;
}

export interface Advice {
  collection: string;
  k: number;
  target: number;
  rows: AdviceRow[];
  /** The smallest configuration that keeps recall ≥ target (ties: the fastest); null when none does. */
  recommended: AdviceRow | null;
}

/** Which measured configurations keep recall@k ≥ `target`, smallest memory first. */
export function adviseFrom(result: Omit<BenchResult, 'report'>, target: number): Advice {
  const full = result.dimensions * 4;
  const rows: AdviceRow[] = result.indexes
    .filter((ix) => ix.config !== null)
    .flatMap((ix) =>
      ix.runs.map((run) => ({
        config: ix.config as string,
        recall: run.recall,
        qps: run.qps,
        bytesPerVector: ix.bytesPerVector,
        memoryRatio: ix.bytesPerVector === null ? null : ix.bytesPerVector / full,
        keeps: run.recall >= target,
      })),
    )
    .sort(
      (a, b) => (a.bytesPerVector ?? Number.POSITIVE_INFINITY) - (b.bytesPerVector ?? Number.POSITIVE_INFINITY) || b.qps - a.qps,
    );
  const recommended = rows.find((r) => r.keeps) ?? null;
  return { collection: result.collection, k: result.k, target, rows, recommended };
}
