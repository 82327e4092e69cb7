import { isMetric, type JsonValue, type Metric } from '@vecdex/core';
import type { NativeMethod } from './native-params.js';

/**
 * What a built native index records in core's catalog (`IndexSyncState.state`). The metric and
 * operator class are locked in at build time: a later load that finds anything else rebuilds.
 */
export interface NativeIndexState {
  version: 1;
  /** The generated SQL name of the index. */
  indexName: string;
  method: NativeMethod;
  metric: Metric;
  opclass: string;
  /** `m`/`ef_construction` (HNSW) or `lists` (IVFFlat) the index was built with. */
  build: { [key: string]: number };
  /** Rows in the table at the last save. */
  rows: number;
}

export function stateToJson(s: NativeIndexState): { [key: string]: JsonValue } {
  return { ...s, build: { ...s.build } };
}

/** The state back from the catalog, or a reason it is unusable. */
export function stateFromJson(json: { [key: string]: JsonValue }): NativeIndexState | string {
  const { version, indexName, method, metric, opclass, build, rows } = json;
  if (version !== 1) return `unknown state version ${JSON.stringify(version)}`;
  if (typeof indexName !== 'string' || !/^vecdex_idx_\d+_[0-9a-f]+$/.test(indexName)) return 'no valid index name in the state';
  if (method !== 'hnsw' && method !== 'ivfflat') return 'no valid access method in the state';
  if (!isMetric(metric)) return 'no valid metric in the state';
  if (typeof opclass !== 'string') return 'no operator class in the state';
  if (typeof build !== 'object' || build === null || Array.isArray(build)) return 'no build parameters in the state';
  const numbers: { [key: string]: number } = {};
  for (const [k, v] of Object.entries(build)) {
    if (typeof v !== 'number') return `build parameter ${k} is not a number`;
    numbers[k] = v;
  }
  return { version, indexName, method, metric, opclass, build: numbers, rows: typeof rows === 'number' ? rows : 0 };
}
