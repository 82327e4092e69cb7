/**
 * @vecdex/index-usearch: an approximate-nearest-neighbour index plugin on USearch (HNSW, in
 * process) whose builds, batch applies and batch searches use every core, with f32, f16 or i8
 * storage, for the `l2`, `cosine` and `ip` metrics.
 *
 * ```ts
 * // vecdex.config.ts
 * export default defineConfig({ plugins: ['@vecdex/index-usearch'] })
 * // then
 * await vx.indexes.create({ name: 'docs-us', plugin: 'usearch', collections: ['docs'], params: { connectivity: 16 } })
 * ```
 */
import {
  VecdexError,
  checkAddon,
  definePlugin,
  type IndexContext,
  type Metric,
  type Precision,
  type VectorIndex,
} from '@vecdex/core';
import { USEARCH_VERSION, loadUsearch } from './load-usearch.js';
import { metricFor } from './usearch-distance.js';
import { UsearchIndex } from './usearch-index.js';
import { UsearchFlatIndex } from './flat-index.js';
import { normalizeUsearchParams, paramsToJson } from './usearch-params.js';
import { USEARCH_PLANNER_HINTS } from './planner-hints.js';

const METRICS: readonly Metric[] = Object.freeze(['l2', 'cosine', 'ip']);
/** Core's precisions, each stored natively: f32, f16, i8 (codes calibrated by core's kit), b1 (sign bits, Hamming). */
const PRECISIONS: readonly Precision[] = Object.freeze(['float32', 'float16', 'int8', 'binary']);
const STORED = { float32: 'f32', float16: 'f16', int8: 'i8', binary: 'b1' } as const;

export default definePlugin({
  kind: 'index',
  name: 'usearch',
  metrics: METRICS,
  precisions: PRECISIONS,
  planner: USEARCH_PLANNER_HINTS,
  checkCompression({ precision, metric, params }) {
    const kind = params.kind === 'flat' ? 'flat' : 'hnsw';
    if (params.dtype !== undefined && params.dtype !== 'f32' && precision !== 'float32')
      return `give either the param dtype (${String(params.dtype)}) or precision (${precision}), not both`;
    if (kind === 'flat' && precision === 'float16')
      return 'a flat (exact) index stores float32, int8 or binary (usearch exactSearch takes no float16); use kind "hnsw" for float16';
    if (kind === 'hnsw' && precision === 'int8' && metric !== 'cosine')
      return `its HNSW graph stores int8 only for cosine (usearch scales each vector to unit length first), the collection is ${metric}; use params { kind: "flat" } (calibrated int8 codes, exact scan) or float16`;
    return null;
  },
  normalizeParams: (params) => paramsToJson(normalizeUsearchParams(params)),
  /** `vecdex doctor`: the usearch add-on loads (a NODE_MODULE_VERSION mismatch is named, with the rebuild command). */
  async diagnose() {
    return [await checkAddon({ package: 'usearch', version: USEARCH_VERSION, load: () => loadUsearch() })];
  },
  async open(context: IndexContext): Promise<VectorIndex> {
    const metric = metricFor(context.metric);
    if (metric === null) {
      throw new VecdexError(
        'UNSUPPORTED_METRIC',
        `metric "${context.metric}" is not supported by index plugin usearch; use one of: ${METRICS.join(', ')}`,
        { details: { metric: context.metric, supported: METRICS } },
      );
    }
    if (!Number.isInteger(context.dimensions) || context.dimensions < 1) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `index "${context.definition.name}": dimensions must be a positive integer, got ${context.dimensions}`,
      );
    }
    // Stored params are re-validated: a definition may predate a default or have been edited by hand.
    const params = normalizeUsearchParams(context.definition.params);
    const precision = context.precision ?? 'float32';
    if (precision !== 'float32') {
      if (params.dtype !== 'f32') {
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `index "${context.definition.name}": give either the usearch param dtype (${params.dtype}) or core's precision (${precision}), not both`,
          { details: { name: 'dtype' } },
        );
      }
      params.dtype = STORED[precision];
    }
    if (params.kind === 'flat') {
      if (params.dtype === 'f16') {
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `index "${context.definition.name}": a flat index stores float32, int8 or binary`,
        );
      }
      return new UsearchFlatIndex(await loadUsearch(), context, params, params.dtype);
    }
    if (params.dtype === 'i8' && context.metric !== 'cosine') {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `index "${context.definition.name}": dtype i8 needs the cosine metric (usearch scales every vector to unit length before quantizing), the collection is ${context.metric}; use f16 or f32`,
        { details: { name: 'dtype' } },
      );
    }
    const binding = await loadUsearch();
    return new UsearchIndex(binding, context, params, {
      dimensions: context.dimensions,
      // Sign bits are compared by Hamming distance (rescoring restores exact distances).
      metric: params.dtype === 'b1' ? 'hamming' : metric,
      quantization: params.dtype,
      connectivity: params.connectivity,
      expansion_add: params.expansionAdd,
      // 1, not 0 (0 means usearch's default, 64): every search asks for max(k, efSearch) matches.
      expansion_search: 1,
      multi: false,
    });
  },
});

export { UsearchIndex } from './usearch-index.js';
export { DEFAULT_PARAMS, DTYPES, normalizeUsearchParams, type Dtype, type UsearchParams } from './usearch-params.js';
export { loadUsearch, importUsearch } from './load-usearch.js';
