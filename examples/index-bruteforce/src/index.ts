/**
 * vecdex-index-bruteforce: an exact index plugin. It keeps every vector in memory, answers each
 * query by scanning all of them with core's reference `distance()`, and saves to one
 * checksummed file. It is the smallest honest `VectorIndex`: useful as a baseline, and as a
 * template for writing your own index plugin.
 *
 * ```json
 * // vecdex.config.json
 * { "plugins": ["vecdex-index-bruteforce"] }
 * ```
 * then `vx.indexes.create({ name: 'flat', plugin: 'bruteforce', collections: ['docs'] })`.
 */
import { METRICS, definePlugin, type IndexContext, type VectorIndex } from '@vecdex/core';
import { FlatIndex } from './flat-index.js';
import { normalizeFlatParams } from './flat-params.js';

export default definePlugin({
  kind: 'index',
  name: 'bruteforce',
  metrics: METRICS,
  normalizeParams: normalizeFlatParams,
  async open(context: IndexContext): Promise<VectorIndex> {
    return new FlatIndex(context);
  },
});

export { FlatIndex } from './flat-index.js';
