import { indexConformanceSuite } from '@vecdex/core/testing';
import plugin from '../src/index.js';

// HNSW is approximate: held to a recall threshold against brute force, not rank by rank.
indexConformanceSuite({
  plugin,
  minRecall: 0.95,
  invalidParams: [
    { params: { M: 1 }, name: 'M' },
    { params: { efSearch: 0 }, name: 'efSearch' },
    { params: { compactThreshold: 2 }, name: 'compactThreshold' },
    { params: { updateNeighborProbability: -0.5 }, name: 'updateNeighborProbability' },
    { params: { efsearch: 10 }, name: 'efsearch' },
  ],
});
