import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import { BINARY_METRICS, type Int8Calibration, PRECISIONS, type Precision, isPrecision } from './precision.js';

/** A dimension reduction applied to every vector (items and queries) before the index sees it. */
export type ReduceSpec =
  /** Matryoshka truncation: the first `dimensions` components (renormalised for cosine). */
  | { method: 'truncate'; dimensions: number }
  /** PCA fitted on `sample` vectors of the store at build time, projection kept with the index. */
  | { method: 'pca'; dimensions: number; sample: number };

/**
 * How an index compresses its copy of the vectors, stored in the definition's params under
 * `compression` (core reads it; plugins never see it there).
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-i8', plugin: 'usearch', collections: ['docs'], precision: 'int8', rescore: { oversample: 4 } })
 * ```
 */
export interface CompressionSpec {
  precision: Precision;
  /** int8 only: how the ranges are fitted (default `global`). */
  calibration: Int8Calibration;
  /** Re-rank `k × oversample` candidates with the store's full vectors (exact distances); `null` = off. */
  rescore: { oversample: number } | null;
  reduce: ReduceSpec | null;
}

/** What a user passes to `vx.indexes.create` (every member optional). */
export interface CompressionOptions {
  precision?: Precision;
  calibration?: Int8Calibration;
  /** `true` (default oversample), `false` (off), or `{ oversample }` (1–100). */
  rescore?: boolean | { oversample?: number };
  reduce?: { method: 'truncate' | 'pca'; dimensions: number; sample?: number } | null;
}

/** The params key the spec is stored under. */
export const COMPRESSION_PARAM = 'compression';
export const DEFAULT_PCA_SAMPLE = 4096;
export const MAX_OVERSAMPLE = 100;

/** The default oversampling when rescoring is on: wider for coarser codes. */
export function defaultOversample(precision: Precision, reduce: ReduceSpec | null): number {
  const base = precision === 'binary' ? 10 : precision === 'int8' ? 4 : precision === 'float16' ? 2 : 1;
  return reduce === null ? base : Math.max(base, 4);
}

/** True when the spec changes nothing (a plain float32 index). */
export function isTrivial(spec: CompressionSpec | null): boolean {
  return spec === null || (spec.precision === 'float32' && spec.reduce === null && spec.rescore === null);
}

export interface CompressionTarget {
  plugin: string;
  /** Precisions the plugin stores natively (from its spec; `float32` when it declares none). */
  precisions: readonly Precision[];
  dimensions: number;
  metric: Metric;
}

/**
 * Validate `options` against the plugin and the collection; `null` when nothing is asked.
 * Throws `INVALID_ARGUMENT` / `NOT_SUPPORTED` naming what is wrong and what would work.
 */
export function normalizeCompression(options: CompressionOptions, target: CompressionTarget): CompressionSpec | null {
  const { precision: p, calibration: c, rescore: r, reduce: red } = options;
  if (p === undefined && c === undefined && r === undefined && (red === undefined || red === null)) return null;
  if (p !== undefined && !isPrecision(p)) throw errors.invalidArgument('precision', `one of ${PRECISIONS.join(', ')}`, p);
  const precision: Precision = p ?? 'float32';
  if (!target.precisions.includes(precision)) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `index plugin ${target.plugin} cannot store ${precision} vectors; it supports: ${target.precisions.join(', ')}. Choose one of those, or a plugin that stores ${precision} (usearch stores float32, float16, int8 and binary)`,
      { details: { plugin: target.plugin, precision, supported: [...target.precisions] } },
    );
  }
  if (precision === 'binary' && !(BINARY_METRICS as readonly string[]).includes(target.metric)) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `binary precision keeps only the sign of each component, which approximates angles (metrics ${BINARY_METRICS.join(', ')}), not ${target.metric} distances; use int8 or float16 for a ${target.metric} collection`,
      { details: { precision, metric: target.metric, supported: [...BINARY_METRICS] } },
    );
  }
  if (c !== undefined && c !== 'global' && c !== 'per-dimension')
    throw errors.invalidArgument('calibration', '"global" or "per-dimension"', c);
  if (c !== undefined && precision !== 'int8') throw errors.invalidArgument('calibration', 'given only with precision "int8"', c);
  if (c === 'per-dimension' && target.metric !== 'l2') {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `per-dimension int8 calibration centres each dimension on its own range, which changes angles; a ${target.metric} collection's codes are centred on 0: use calibration "global"`,
      { details: { name: 'calibration', metric: target.metric } },
    );
  }
  const reduce = red === undefined || red === null ? null : normalizeReduce(red, target.dimensions);
  let rescore: CompressionSpec['rescore'];
  if (r === undefined || r === true) {
    rescore = precision === 'float32' && reduce === null ? null : { oversample: defaultOversample(precision, reduce) };
  } else if (r === false) rescore = null;
  else if (typeof r === 'object' && r !== null && !Array.isArray(r)) {
    const known = Object.keys(r).filter((k) => k !== 'oversample');
    if (known.length > 0) throw errors.invalidArgument(`rescore.${known[0]}`, 'absent (rescore takes only oversample)', r);
    const o = r.oversample ?? defaultOversample(precision, reduce);
    if (typeof o !== 'number' || !Number.isFinite(o) || o < 1 || o > MAX_OVERSAMPLE)
      throw errors.invalidArgument('rescore.oversample', `a number from 1 to ${MAX_OVERSAMPLE}`, o);
    rescore = { oversample: o };
  } else throw errors.invalidArgument('rescore', 'true, false or { oversample: number }', r);
  return { precision, calibration: precision === 'int8' ? (c ?? 'global') : 'global', rescore, reduce };
}

function normalizeReduce(red: NonNullable<CompressionOptions['reduce']>, dimensions: number): ReduceSpec {
  if (typeof red !== 'object' || Array.isArray(red)) throw errors.invalidArgument('reduce', '{ method, dimensions }', red);
  const { method, dimensions: d, sample } = red;
  if (method !== 'truncate' && method !== 'pca') throw errors.invalidArgument('reduce.method', '"truncate" or "pca"', method);
  if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d >= dimensions) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `reduce.dimensions must be an integer from 1 to ${dimensions - 1} (below the collection's ${dimensions} dimensions), got ${JSON.stringify(d)}`,
      { details: { name: 'reduce.dimensions', expected: `1..${dimensions - 1}`, actual: d as JsonValue } },
    );
  }
  if (method === 'truncate') {
    if (sample !== undefined) throw errors.invalidArgument('reduce.sample', 'absent for truncate (only PCA is fitted)', sample);
    return { method, dimensions: d };
  }
  const s = sample ?? Math.max(DEFAULT_PCA_SAMPLE, dimensions);
  if (typeof s !== 'number' || !Number.isInteger(s) || s < dimensions || s > 1_000_000) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `reduce.sample must be an integer of at least the collection's ${dimensions} dimensions (PCA needs as many samples as dimensions) and at most 1000000, got ${JSON.stringify(s)}`,
      { details: { name: 'reduce.sample', expected: `${dimensions}..1000000` } },
    );
  }
  return { method, dimensions: d, sample: s };
}

/** The stored spec back from a definition's params (`null` when absent), re-checked lightly. */
export function readCompression(params: { [key: string]: JsonValue }): CompressionSpec | null {
  const raw = params[COMPRESSION_PARAM];
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw) || !isPrecision((raw as { precision?: unknown }).precision)) {
    throw new VecdexError('STORE_CORRUPT', `index params.${COMPRESSION_PARAM} is not a compression spec: ${JSON.stringify(raw)}`);
  }
  return raw as unknown as CompressionSpec;
}

/** The params without `compression` (what the plugin validates and sees). */
export function pluginParams(params: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  if (!(COMPRESSION_PARAM in params)) return params;
  const { [COMPRESSION_PARAM]: _omit, ...rest } = params;
  return rest;
}

export function specToJson(spec: CompressionSpec): JsonValue {
  return JSON.parse(JSON.stringify(spec)) as JsonValue;
}

/**
 * The spec in words, for search plans: `int8 codes (global calibration), rescored from k × 4
 * candidates`, `truncate 3072→1024, float16, rescored from k × 4 candidates`.
 */
export function describeCompression(spec: CompressionSpec, dimensions: number): string {
  const parts: string[] = [];
  if (spec.reduce !== null) parts.push(`${spec.reduce.method} ${dimensions}→${spec.reduce.dimensions}`);
  if (spec.precision !== 'float32')
    parts.push(spec.precision === 'int8' ? `int8 codes (${spec.calibration} calibration)` : `${spec.precision} codes`);
  parts.push(
    spec.rescore === null ? 'not rescored (approximate distances)' : `rescored from k × ${spec.rescore.oversample} candidates`,
  );
  return parts.join(', ');
}
