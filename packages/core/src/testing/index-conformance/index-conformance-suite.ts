import { afterEach, describe } from 'vitest';
import { applyTests } from './apply-tests.js';
import { buildTests } from './build-tests.js';
import { type IndexConformanceOptions, createIndexContext } from './index-context.js';
import { metricTests } from './metric-tests.js';
import { paramsTests } from './params-tests.js';
import { persistenceTests } from './persistence-tests.js';
import { searchTests } from './search-tests.js';

/**
 * Register the index conformance suite with vitest, under `describe('<name> index conformance')`.
 * Call it at the top level of a test file:
 *
 * ```ts
 * import { indexConformanceSuite } from '@vecdex/core/testing'
 * import plugin from '../src/index.js'
 *
 * indexConformanceSuite({ plugin, exact: true })                          // a flat index
 * indexConformanceSuite({ plugin, minRecall: 0.95, params: { M: 16 } })   // an ANN index
 * ```
 *
 * It checks the `VectorIndex` contract on a real instance (no mocks) in temporary directories:
 * builds from uneven batches over collections whose ids overlap; upserts, replacements and
 * deletes (absent keys ignored); k-nearest search against brute force with core's reference
 * `distance()` (rank by rank for `exact`, else mean recall@k >= `minRecall`); `allow`; every
 * declared metric; save and load in a new instance; load of missing, garbage and truncated files
 * returning false; drop; stats; and `normalizeParams`.
 */
export function indexConformanceSuite(options: IndexConformanceOptions): void {
  const ctx = createIndexContext(options);
  describe(`${options.name ?? options.plugin.name} index conformance`, () => {
    afterEach(() => ctx.cleanup());
    paramsTests(ctx);
    buildTests(ctx);
    applyTests(ctx);
    searchTests(ctx);
    metricTests(ctx);
    persistenceTests(ctx);
  });
}
