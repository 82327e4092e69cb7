import { VecdexError, describeValue, type JsonValue } from '@vecdex/core';

/** Which pgvector access method an index plugin builds. */
export type NativeMethod = 'hnsw' | 'ivfflat';

/**
 * Parameters of a `pgvector-hnsw` index (every field filled in), as stored in the definition.
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-hnsw', plugin: 'pgvector-hnsw', collections: ['docs'],
 *   params: { m: 16, efConstruction: 64, efSearch: 40 } })
 * ```
 */
export interface HnswNativeParams {
  /** `WITH (m = ...)`: links per node per layer (pgvector default 16). */
  m: number;
  /** `WITH (ef_construction = ...)`: candidate list while inserting (pgvector default 64). */
  efConstruction: number;
  /** `hnsw.ef_search` for queries that do not give one (pgvector default 40). */
  efSearch: number;
  /**
   * `maintenance_work_mem` for the build, in MiB: a graph that outgrows it builds far slower.
   * null (default): sized from the estimated graph (see `build-memory.ts`), at most
   * `maxMaintenanceWorkMemMB`.
   */
  maintenanceWorkMemMB: number | null;
  /** The most auto-sizing may ask for, in MiB (default 4096): a larger estimate fails before building. */
  maxMaintenanceWorkMemMB: number;
  /** `max_parallel_maintenance_workers` for the build (0: the leader alone); null: the server's setting. */
  parallelWorkers: number | null;
}

/** Parameters of a `pgvector-ivfflat` index. `lists: null` sizes it from the row count at build time. */
export interface IvfflatNativeParams {
  /** `WITH (lists = ...)`; null = rows/1000 up to 1M rows, sqrt(rows) above, at least 1. */
  lists: number | null;
  /** `ivfflat.probes` for queries that do not give one; null = sqrt(lists), rounded up. */
  probes: number | null;
  maintenanceWorkMemMB: number | null;
  maxMaintenanceWorkMemMB: number;
  parallelWorkers: number | null;
}

export type NativeParams = HnswNativeParams | IvfflatNativeParams;

type Range = readonly [number, number];

/** Parameters of both methods where null means "choose for me". */
const NULLABLE = new Set(['maintenanceWorkMemMB', 'parallelWorkers']);

const HNSW_RANGES: Record<keyof HnswNativeParams, Range> = {
  // pgvector's own limits: m 2..100, ef_construction 4..1000, ef_search 1..1000.
  m: [2, 100],
  efConstruction: [4, 1000],
  efSearch: [1, 1000],
  maintenanceWorkMemMB: [1, 1024 * 1024],
  maxMaintenanceWorkMemMB: [1, 1024 * 1024],
  parallelWorkers: [0, 64],
};

const IVFFLAT_RANGES: Record<keyof IvfflatNativeParams, Range> = {
  // pgvector: lists 1..32768; probes >= 1 (more than lists is the same as lists).
  lists: [1, 32_768],
  probes: [1, 32_768],
  maintenanceWorkMemMB: [1, 1024 * 1024],
  maxMaintenanceWorkMemMB: [1, 1024 * 1024],
  parallelWorkers: [0, 64],
};

export const HNSW_DEFAULTS: Readonly<HnswNativeParams> = Object.freeze({
  m: 16,
  efConstruction: 64,
  efSearch: 40,
  maintenanceWorkMemMB: null,
  maxMaintenanceWorkMemMB: 4096,
  parallelWorkers: null,
});

export const IVFFLAT_DEFAULTS: Readonly<IvfflatNativeParams> = Object.freeze({
  lists: null,
  probes: null,
  maintenanceWorkMemMB: null,
  maxMaintenanceWorkMemMB: 4096,
  parallelWorkers: null,
});

/** Validate definition params and fill defaults; unknown names are refused so a typo is not ignored. */
export function normalizeNativeParams(method: NativeMethod, params: { [key: string]: JsonValue }): NativeParams {
  const plugin = `pgvector-${method}`;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new VecdexError('INVALID_ARGUMENT', `${plugin} params must be an object, got ${describeValue(params)}`, {
      details: { name: 'params' },
    });
  }
  const ranges: Record<string, Range> = method === 'hnsw' ? HNSW_RANGES : IVFFLAT_RANGES;
  const out: Record<string, number | null> = { ...(method === 'hnsw' ? HNSW_DEFAULTS : IVFFLAT_DEFAULTS) };
  for (const [name, value] of Object.entries(params)) {
    const range = ranges[name];
    if (range === undefined) throw unknownParam(plugin, name, Object.keys(ranges));
    const nullable = NULLABLE.has(name) || (method === 'ivfflat' && (name === 'lists' || name === 'probes'));
    out[name] = value === null && nullable ? null : checkInteger(plugin, name, value, range);
  }
  return out as unknown as NativeParams;
}

/** The per-query parameter name of a method: `efSearch` (hnsw) or `probes` (ivfflat). */
export function queryParamName(method: NativeMethod): 'efSearch' | 'probes' {
  return method === 'hnsw' ? 'efSearch' : 'probes';
}

/**
 * The per-query search parameter (`{ efSearch }` or `{ probes }`), validated before it reaches
 * SQL; `fallback` when absent.
 */
export function queryParam(method: NativeMethod, params: { [key: string]: JsonValue } | undefined, fallback: number): number {
  if (params === undefined) return fallback;
  const name = queryParamName(method);
  let value = fallback;
  for (const [key, v] of Object.entries(params)) {
    if (key !== name) throw unknownParam(`pgvector-${method}`, key, [name]);
    value = checkInteger(`pgvector-${method}`, name, v, method === 'hnsw' ? HNSW_RANGES.efSearch : IVFFLAT_RANGES.probes);
  }
  return value;
}

/** `lists` for an IVFFlat index over `rows` rows, as pgvector's docs advise. */
export function autoLists(rows: number): number {
  const lists = rows <= 1_000_000 ? Math.floor(rows / 1000) : Math.floor(Math.sqrt(rows));
  return Math.min(IVFFLAT_RANGES.lists[1], Math.max(1, lists));
}

/** `probes` when neither the query nor the definition gives one: sqrt(lists), rounded up. */
export function autoProbes(lists: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(lists)));
}

function checkInteger(plugin: string, name: string, value: unknown, [min, max]: Range): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `${plugin} parameter ${name} must be an integer from ${min} to ${max}, got ${describeValue(value)}`,
      { details: { name, min, max } },
    );
  }
  return value;
}

function unknownParam(plugin: string, name: string, known: readonly string[]): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `unknown ${plugin} parameter "${name}"; known: ${known.join(', ')}`, {
    details: { name, known },
  });
}
