/**
 * @vecdex/sidecar-faiss: a FAISS index kept beside the store (sqlite-vec or pgvector), built from
 * it and synced from its change feed, for the fastest reads and for compressed indexes (IVF with
 * scalar or product quantization) that fit big corpora in memory. Metrics `l2` and `cosine`.
 *
 * ```ts
 * // vecdex.config.ts
 * export default defineConfig({ plugins: ['@vecdex/sidecar-faiss'] })
 * // then
 * await vx.indexes.create({ name: 'docs-faiss', plugin: 'faiss', collections: ['docs'], params: { factory: 'IVF256,SQ8' } })
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
import { FaissIndex } from './faiss-index.js';
import { normalizeFaissParams, paramsToJson } from './faiss-params.js';
import { describeFactory, factoryForPrecision } from './index-plan.js';
import { loadFaiss, FAISS_NODE_VERSION } from './load-faiss.js';
import { FAISS_PLANNER_HINTS } from './planner-hints.js';

const METRICS: readonly Metric[] = Object.freeze(['l2', 'cosine']);
/** int8 = FAISS's SQ8 (per-dimension ranges trained on the sample), float16 = SQfp16; no binary (faiss-node has no binary indexes). */
const PRECISIONS: readonly Precision[] = Object.freeze(['float32', 'float16', 'int8']);

export default definePlugin({
  kind: 'index',
  name: 'faiss',
  metrics: METRICS,
  precisions: PRECISIONS,
  planner: FAISS_PLANNER_HINTS,
  checkCompression({ precision, params }) {
    if (precision === 'float32' || precision === 'binary') return null;
    if (params.quantize !== false && params.quantize !== undefined)
      return `give either the param quantize (${String(params.quantize)}) or precision (${precision}), not both`;
    const factory = typeof params.factory === 'string' ? params.factory : null;
    if (factory !== null && factoryForPrecision(factory, precision) === null)
      return `precision ${precision} replaces the Flat codes of a factory (Flat, IVF{n},Flat); "${factory}" names its own, so put the codes in the factory string instead (e.g. IVF256,SQ8)`;
    return null;
  },
  normalizeParams: (params) => paramsToJson(normalizeFaissParams(params)),
  /** `vecdex doctor`: the faiss-node add-on loads (a NODE_MODULE_VERSION mismatch is named, with the rebuild command). */
  async diagnose() {
    return [await checkAddon({ package: 'faiss-node', version: FAISS_NODE_VERSION, load: () => loadFaiss() })];
  },
  async open(context: IndexContext): Promise<VectorIndex> {
    if (!METRICS.includes(context.metric)) {
      throw new VecdexError(
        'UNSUPPORTED_METRIC',
        `metric "${context.metric}" is not supported by index plugin faiss; use one of: ${METRICS.join(', ')} (or another index plugin, e.g. hnswlib for ip)`,
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
    const params = normalizeFaissParams(context.definition.params);
    const precision = context.precision ?? 'float32';
    if (precision === 'int8' || precision === 'float16') {
      if (params.factory === null) params.quantize = precision === 'int8' ? 8 : 'fp16';
      else params.factory = factoryForPrecision(params.factory, precision) ?? params.factory;
    }
    const binding = await loadFaiss();
    if (params.factory !== null) {
      describeFactory(params.factory);
      // Let FAISS parse it now (an empty index is cheap), so a bad string fails at open, not mid-build.
      try {
        binding.Index.fromFactory(context.dimensions, params.factory, binding.MetricType.METRIC_L2);
      } catch (cause) {
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `faiss index "${context.definition.name}": FAISS refused the factory string "${params.factory}" for ${context.dimensions}-d vectors (${(cause as Error).message.split('\n')[0]}). Examples: Flat, IVF256,Flat, IVF256,SQ8, IVF256,PQ16 (16 must divide the dimensions), HNSW32`,
          { cause, details: { name: 'factory', factory: params.factory } },
        );
      }
    }
    return new FaissIndex(binding, context, params);
  },
});

export { FaissIndex } from './faiss-index.js';
export { DEFAULT_PARAMS, normalizeFaissParams, type FaissParams } from './faiss-params.js';
export { automaticFactory, planIndex, type IndexPlan } from './index-plan.js';
export { loadFaiss, importFaiss, FAISS_NODE_VERSION } from './load-faiss.js';
export type { ExportResult } from './export-index.js';
export { patchSerialized, readTuning, type Tuning } from './native-tuning.js';
