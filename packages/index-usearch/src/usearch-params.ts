import { VecdexError, describeValue, type JsonValue } from '@vecdex/core';

/** How vectors are stored in the index (usearch's scalar kind). `i8` needs `cosine`: usearch scales each vector to unit length first. */
export type Dtype = 'f32' | 'f16' | 'i8';
/** What the native index stores: a user's `dtype`, or `b1` (bits, Hamming) for core's `binary` precision. */
export type StoredDtype = Dtype | 'b1';
export const DTYPES: readonly Dtype[] = Object.freeze(['f32', 'f16', 'i8']);

/**
 * Parameters of a usearch index, as stored in the definition (every field filled in).
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-us', plugin: 'usearch', collections: ['docs'], params: { connectivity: 16, dtype: 'f16' } })
 * ```
 */
export interface UsearchParams {
  /**
   * `hnsw` (default): usearch's graph. `flat`: exact search over a contiguous copy (usearch's SIMD
   * `exactSearch`; binary codes by Hamming distance), the exact path at float32, int8 or binary.
   */
  kind: 'hnsw' | 'flat';
  /** Links per node and layer (2× on the base layer); hnswlib's `M`. */
  connectivity: number;
  /** Candidate list while inserting; hnswlib's `efConstruction`. */
  expansionAdd: number;
  /** Candidate list while searching (at least k); overridable per query as `efSearch` or `expansionSearch`. */
  expansionSearch: number;
  /** Threads for builds, batch applies and batch searches; 0 = one per core. */
  threads: number;
  /**
   * Stored scalar type: `f32`, `f16` (half the memory), `i8` (a quarter; cosine only, usearch's
   * own per-vector scaling). Core's `precision` option (float16, int8 calibrated on a sample,
   * binary) sets it instead; `b1` only comes from `precision: 'binary'`.
   */
  dtype: StoredDtype;
  /** `stats().needsCompaction` once removed / (items + removed) exceeds this. */
  compactThreshold: number;
  /**
   * Most change journals a save appends before writing the index whole again (0: every save
   * writes whole). A sync then writes only its changes; a load replays them, which the plugin
   * kit keeps within 4× the time of the last whole write (`GenerationFiles.journalFits`).
   */
  journalFiles: number;
}

export const DEFAULT_PARAMS: Readonly<UsearchParams> = Object.freeze({
  kind: 'hnsw',
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 64,
  threads: 0,
  dtype: 'f32',
  compactThreshold: 0.1,
  journalFiles: 16,
});

/** Parameters that decide what the saved files contain: files built with other values are not loaded. */
export const STRUCTURAL_PARAMS = ['connectivity', 'expansionAdd', 'dtype'] as const;

/** Validate user parameters and fill defaults; unknown names are refused, so a typo is not silently ignored. */
export function normalizeUsearchParams(params: { [key: string]: JsonValue }): UsearchParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new VecdexError('INVALID_ARGUMENT', `usearch params must be an object, got ${describeValue(params)}`, {
      details: { name: 'params' },
    });
  }
  const out: UsearchParams = { ...DEFAULT_PARAMS };
  for (const [name, value] of Object.entries(params)) {
    switch (name) {
      case 'kind':
        if (value !== 'hnsw' && value !== 'flat') throw invalid(name, '"hnsw" or "flat"', value);
        out.kind = value;
        break;
      case 'connectivity':
        out.connectivity = checkInteger(name, value, 2, 256);
        break;
      case 'expansionAdd':
      case 'expansionSearch':
        out[name] = checkInteger(name, value, 1, 10_000);
        break;
      case 'threads':
        out.threads = checkInteger(name, value, 0, 1024);
        break;
      case 'journalFiles':
        out.journalFiles = checkInteger(name, value, 0, 1000);
        break;
      case 'dtype':
        if (typeof value !== 'string' || !(DTYPES as readonly string[]).includes(value))
          throw invalid(name, `one of ${DTYPES.join(', ')}`, value);
        out.dtype = value as Dtype;
        break;
      case 'compactThreshold':
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1)
          throw invalid(name, 'a number greater than 0 and at most 1', value);
        out.compactThreshold = value;
        break;
      default:
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `unknown usearch param ${JSON.stringify(name)}; known: ${Object.keys(DEFAULT_PARAMS).join(', ')}`,
          { details: { name, expected: Object.keys(DEFAULT_PARAMS).join(', ') } },
        );
    }
  }
  return out;
}

/** The per-query candidate list: `efSearch` (as for hnswlib) or `expansionSearch`, validated before native code. */
export function queryExpansion(params: { [key: string]: JsonValue } | undefined, fallback: number): number {
  if (params === undefined) return fallback;
  let out = fallback;
  for (const [name, value] of Object.entries(params)) {
    if (name === 'efSearch' || name === 'expansionSearch') out = checkInteger(name, value, 1, 10_000);
    else
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `unknown usearch query param ${JSON.stringify(name)}; known: efSearch, expansionSearch`,
        {
          details: { name, expected: 'efSearch, expansionSearch' },
        },
      );
  }
  return out;
}

export function paramsToJson(params: UsearchParams): { [key: string]: JsonValue } {
  return { ...params };
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function invalid(name: string, expected: string, actual: unknown): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `usearch param ${name} must be ${expected}, got ${describeValue(actual)}`, {
    details: { name, expected },
  });
}
