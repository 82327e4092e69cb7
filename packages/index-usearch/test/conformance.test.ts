import { indexConformanceSuite } from '@vecdex/core/testing';
import plugin from '../src/index.js';

// HNSW is approximate: held to a recall threshold against brute force, not rank by rank.
indexConformanceSuite({
  plugin,
  minRecall: 0.95,
  invalidParams: [
    { params: { connectivity: 1 }, name: 'connectivity' },
    { params: { expansionSearch: 0 }, name: 'expansionSearch' },
    { params: { dtype: 'f64' }, name: 'dtype' },
    { params: { threads: -1 }, name: 'threads' },
    { params: { efSearch: 10 }, name: 'efSearch' },
  ],
});

// f16 / i8 storage is not run through the suite: their distances are computed on the quantized
// vectors (within ~1e-3 relative of core's, not the suite's 1e-5) until rescoring lands; see
// dtype.test.ts for what they are held to.

// The flat kind (exact path) at float32 is exact: held to brute force rank by rank.
indexConformanceSuite({ plugin, params: { kind: 'flat' } });
