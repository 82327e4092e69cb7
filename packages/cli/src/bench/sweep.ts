import type { IndexDefinition, JsonValue } from '@vecdex/core';
import { UsageError } from '../cli-error.js';

/** One per-query parameter and the values a sweep tries, in order. */
export interface Sweep {
  param: string;
  values: number[];
}

/** A `--sweep [index:]param=v1,v2,...` override; without an index it applies to every index. */
export interface SweepOverride extends Sweep {
  index: string | null;
}

const EF = [10, 20, 40, 80, 160, 320];
const PROBES = [1, 2, 4, 8, 16, 32, 64];

/**
 * The default sweep for an index, by plugin name (and, where the plugin has several index kinds,
 * by its build parameters). `null` means the plugin takes no per-query parameter vecdex knows
 * of: the index is measured once, with its own defaults.
 */
export function defaultSweep(def: IndexDefinition): Sweep | null {
  const plugin = def.plugin.toLowerCase();
  if (plugin === 'hnswlib' || plugin === 'pgvector-hnsw') return { param: 'efSearch', values: EF };
  if (plugin === 'pgvector-ivfflat') return { param: 'probes', values: PROBES };
  if (plugin === 'faiss') {
    const factory = typeof def.params.factory === 'string' ? def.params.factory.toUpperCase() : '';
    if (factory.includes('HNSW')) return { param: 'efSearch', values: EF };
    if (factory.includes('IVF') || def.params.quantize === true) return { param: 'nprobe', values: PROBES };
    return null;
  }
  return null;
}

/** The sweep to run for an index: an override naming it, else one for every index, else the default. */
export function sweepFor(def: IndexDefinition, overrides: readonly SweepOverride[]): Sweep | null {
  const own = overrides.filter((o) => o.index === def.name).at(-1);
  const all = overrides.filter((o) => o.index === null).at(-1);
  return own ?? all ?? defaultSweep(def);
}

/** The per-query params of each run of a sweep (`[{}]` when there is nothing to sweep). */
export function sweepRuns(sweep: Sweep | null): { [key: string]: JsonValue }[] {
  return sweep === null ? [{}] : sweep.values.map((v) => ({ [sweep.param]: v }));
}

/** Commander collector for a repeatable `--sweep [index:]param=v1,v2,...`. */
export function sweepOption(text: string, previous: SweepOverride[] | undefined): SweepOverride[] {
  const m = /^\s*(?:([^:=\s]+):)?([A-Za-z_][\w.]*)\s*=\s*(.+)$/.exec(text);
  const example = 'write it like --sweep efSearch=10,40,160 or --sweep my-index:efSearch=10,40';
  if (m === null) throw new UsageError(`--sweep ${JSON.stringify(text)} is not [index:]param=v1,v2,...`, example);
  const values = (m[3] ?? '').split(',').map((s) => s.trim());
  const numbers = values.map(Number);
  if (values.some((s) => s === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`--sweep ${m[2]}: values must be numbers separated by commas, got ${JSON.stringify(m[3])}`, example);
  }
  return [...(previous ?? []), { index: m[1] ?? null, param: m[2] as string, values: numbers }];
}
