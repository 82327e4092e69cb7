import { definePlugin, type IndexPluginSpec, type PlannerHints } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';

/**
 * hnswlib under another name with these planner hints instead of its own (`undefined`: none,
 * so core plans with its defaults). Suites that put each filter on a given plan with the
 * defaults (`EXACT_SUBSET_THRESHOLD`, `EXACT_SUBSET_MAX_SCAN`, `OVERSAMPLE_MIN_SELECTIVITY`)
 * index through `hnswlibDefaults`; hnswlib's own hints (measured at 1M) plan otherwise.
 */
export function hnswlibWith(name: string, planner: PlannerHints | undefined) {
  const { planner: _own, ...spec } = hnswlib as IndexPluginSpec;
  return definePlugin({ ...spec, name, ...(planner === undefined ? {} : { planner }) });
}

/** hnswlib without planner hints, as plugin `hnswlib-defaults`. */
export const hnswlibDefaults = hnswlibWith('hnswlib-defaults', undefined);
