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
import { VecdexError, definePlugin, type IndexContext, type Metric, type VectorIndex, checkAddon } from '@vecdex/core';
import { loadUsearch, USEARCH_VERSION } from './load-usearch.js';
import { metricFor } from './usearch-distance.js';
import { UsearchIndex } from './usearch-index.js';
import { normalizeUsearchParams, paramsToJson } from './usearch-params.js';

const METRICS: readonly Metric[] = Object.freeze(['l2', 'cosine', 'ip']);

export default definePlugin({
  kind: 'index',
  name: 'usearch',
  metrics: METRICS,
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
      metric,
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
