import { indexConformanceSuite } from '@vecdex/core/testing';
import plugin from '../src/index.js';

// An exact plugin: held to brute force rank by rank, for all four metrics.
indexConformanceSuite({
  plugin,
  exact: true,
  invalidParams: [{ params: { M: 16 }, name: 'M' }],
});
