/**
 * `@vecdex/core/testing`: the conformance suite every storage backend runs. It checks the
 * `StorageBackend` contract against a real store (no mocks): collections, items, exact search
 * for each metric against the double-precision reference `distance()`, filters against
 * `filterPredicate`, the change feed (order, collapsing, tombstones, cursors, a misbehaving
 * clock, and a follower that must rebuild the store from the feed alone), bad input through the
 * public API, the index catalog, index history (the backend's event table and core's default),
 * and persistence across close and reopen.
 *
 * Adopting it is one small test file (vitest is an optional peer dependency of core):
 *
 * ```ts
 * // test/conformance.test.ts
 * import { mkdtemp, rm } from 'node:fs/promises'
 * import os from 'node:os'
 * import path from 'node:path'
 * import { backendConformanceSuite } from '@vecdex/core/testing'
 * import { createMyBackend } from '../src/index.js'
 *
 * backendConformanceSuite({
 *   name: 'my-store',
 *   createLocation: async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'my-store-')), 'store.db'),
 *   open: (location, { clock } = {}) => createMyBackend({ path: location, clock }),
 *   destroyLocation: (location) => rm(path.dirname(location), { recursive: true, force: true }),
 *   skip: { metrics: ['l1'] }, // declared gaps; the skipped tests say why in their titles
 * })
 * ```
 *
 * Every test opens its backends on a fresh location and closes them afterwards; data is seeded,
 * so a failure replays identically. The whole suite takes a few seconds on SQLite.
 *
 * @module
 */
import { afterEach, describe } from 'vitest';
import { badInputTests } from './backend-conformance/bad-input.js';
import { changeFeedClockTests } from './backend-conformance/change-feed-clock.js';
import { changeFeedFollowerTests } from './backend-conformance/change-feed-follower.js';
import { changeFeedTests } from './backend-conformance/change-feed.js';
import { changeTokenTests } from './backend-conformance/change-token.js';
import { collectionTests } from './backend-conformance/collections.js';
import { filterPropertyTests } from './backend-conformance/filter-property.js';
import { filterTests } from './backend-conformance/filters.js';
import { filterableTests } from './backend-conformance/filterable.js';
import { wideFilterTests } from './backend-conformance/wide-filters.js';
import { keywordSearchTests } from './backend-conformance/keyword-search.js';
import { tombstonePruningTests } from './backend-conformance/tombstone-pruning.js';
import { deleteWhereTests } from './backend-conformance/delete-where.js';
import { readSnapshotTests } from './backend-conformance/read-snapshot.js';
import { getVectorsTests } from './backend-conformance/get-vectors.js';
import { aliasTests } from './backend-conformance/aliases.js';
import { indexCatalogTests } from './backend-conformance/index-catalog.js';
import { indexEventTests } from './backend-conformance/index-events.js';
import { itemTests } from './backend-conformance/items-crud.js';
import { metricTests } from './backend-conformance/metrics.js';
import { exactFreshnessTests } from './backend-conformance/exact-freshness.js';
import { persistenceTests } from './backend-conformance/persistence.js';
import { type BackendConformanceOptions, createContext } from './context.js';

export type { BackendConformanceOptions, ConformanceContext, OpenOptions } from './context.js';
export { expectVecdexError, expectBitExact, expectSameRanking, DISTANCE_TOLERANCE } from './assertions.js';
export { bruteForce, type Ranked } from './brute-force.js';
export { Random, makeItems } from './random.js';
export { FILTER_CASES } from './backend-conformance/filters.js';
export { WIDE_FILTER_CASES, limitFilter } from './backend-conformance/wide-filters.js';
export { randomFilter, randomMetadata } from './backend-conformance/filter-property.js';
export { HOSTILE_QUERIES } from './backend-conformance/keyword-search.js';
export { indexConformanceSuite } from './index-conformance/index-conformance-suite.js';
export type { IndexConformanceOptions, IndexSuiteContext } from './index-conformance/index-context.js';

/**
 * Register the backend conformance suite with vitest, under `describe('<name> backend conformance')`.
 * Call it at the top level of a test file.
 */
export function backendConformanceSuite(options: BackendConformanceOptions): void {
  const ctx = createContext(options);
  describe(`${options.name} backend conformance`, () => {
    afterEach(() => ctx.cleanup());
    collectionTests(ctx);
    itemTests(ctx);
    metricTests(ctx);
    exactFreshnessTests(ctx);
    filterTests(ctx);
    filterPropertyTests(ctx);
    wideFilterTests(ctx);
    filterableTests(ctx);
    keywordSearchTests(ctx);
    changeFeedTests(ctx);
    changeFeedClockTests(ctx);
    changeFeedFollowerTests(ctx);
    changeTokenTests(ctx);
    tombstonePruningTests(ctx);
    deleteWhereTests(ctx);
    readSnapshotTests(ctx);
    getVectorsTests(ctx);
    aliasTests(ctx);
    badInputTests(ctx);
    indexCatalogTests(ctx);
    indexEventTests(ctx);
    persistenceTests(ctx);
  });
}
