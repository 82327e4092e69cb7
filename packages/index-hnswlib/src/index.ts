/**
 * @vecdex/index-hnswlib: an approximate-nearest-neighbour index plugin on hnswlib (HNSW graphs,
 * in process), for the `l2`, `cosine` and `ip` metrics.
 *
 * ```ts
 * // vecdex.config.ts
 * export default defineConfig({ plugins: ['@vecdex/index-hnswlib'] })
 * // then
 * await vx.indexes.create({ name: 'docs-hnsw', plugin: 'hnswlib', collections: ['docs'], params: { M: 16 } })
 * ```
 */
import {
  type DoctorCheck,
  VecdexError,
  checkAddon,
  definePlugin,
  type IndexContext,
  type Metric,
  type VectorIndex,
} from '@vecdex/core';
import { HnswIndex } from './hnsw-index.js';
import { normalizeHnswParams, paramsToJson } from './hnsw-params.js';
import { HNSWLIB_NODE_VERSION, importHnswlib, loadHnswlib } from './load-hnswlib.js';
import { HNSWLIB_PLANNER_HINTS } from './planner-hints.js';
import { spaceFor } from './native-distance.js';

const METRICS: readonly Metric[] = Object.freeze(['l2', 'cosine', 'ip']);

export default definePlugin({
  kind: 'index',
  name: 'hnswlib',
  metrics: METRICS,
  planner: HNSWLIB_PLANNER_HINTS,
  normalizeParams: (params) => paramsToJson(normalizeHnswParams(params)),
  async open(context: IndexContext): Promise<VectorIndex> {
    const space = spaceFor(context.metric);
    if (space === null) {
      throw new VecdexError(
        'UNSUPPORTED_METRIC',
        `metric "${context.metric}" is not supported by index plugin hnswlib; use one of: ${METRICS.join(', ')}`,
        {
          details: { metric: context.metric, supported: METRICS },
        },
      );
    }
    if (!Number.isInteger(context.dimensions) || context.dimensions < 1) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `index "${context.definition.name}": dimensions must be a positive integer, got ${context.dimensions}`,
      );
    }
    // Stored params are re-validated: a definition may predate a default or have been edited by hand.
    const params = normalizeHnswParams(context.definition.params);
    const binding = await loadHnswlib();
    return new HnswIndex(binding, context, params, space);
  },
  /**
   * `vecdex doctor`: hnswlib-node's add-on loads (a NODE_MODULE_VERSION mismatch is named, with
   * the rebuild command), and which binding the plugin runs on (the native build, or why not).
   */
  async diagnose() {
    const load = async () => new (await importHnswlib()).HierarchicalNSW('l2', 2);
    const checks: DoctorCheck[] = [await checkAddon({ package: 'hnswlib-node', version: HNSWLIB_NODE_VERSION, load })];
    try {
      const binding = await loadHnswlib();
      checks.push(
        binding.name === 'vecdex-native'
          ? {
              name: 'addon.vecdex-native-hnswlib',
              status: 'ok',
              message: "the hnswlib plugin runs on vecdex's native build for this CPU",
            }
          : {
              name: 'addon.vecdex-native-hnswlib',
              status: 'skip',
              message: `the hnswlib plugin runs on hnswlib-node: the native build is not used (${binding.nativeSkipped ?? 'unknown'})`,
              remedy:
                'node node_modules/@vecdex/index-hnswlib/native/build.mjs (needs g++), for faster search and builds on every core',
            },
      );
    } catch {
      // hnswlib-node's own check above already says what failed.
    }
    return checks;
  },
});

export { HnswIndex } from './hnsw-index.js';
export { DEFAULT_PARAMS, normalizeHnswParams, type HnswParams } from './hnsw-params.js';
export {
  loadHnswlib,
  importHnswlib,
  chooseBinding,
  type BindingLike,
  type BindingName,
  type HnswlibBinding,
  type NativeHnsw,
} from './load-hnswlib.js';
