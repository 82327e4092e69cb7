import { indexConformanceSuite } from '@vecdex/core/testing';
import plugin from '../src/index.js';
import { faissProblem } from './faiss-available.js';

const invalidParams = [
  { params: { nprobe: 0 }, name: 'nprobe' },
  { params: { quantize: 5 }, name: 'quantize' },
  { params: { compactThreshold: 2 }, name: 'compactThreshold' },
  { params: { nprob: 4 }, name: 'nprob' },
];

// Without faiss-node, faiss-available.ts has printed why (or thrown, in CI); the suite needs the binding.
if (faissProblem === null) {
  // Flat is exact: every search must equal brute force rank by rank.
  indexConformanceSuite({ plugin, name: 'faiss Flat', exact: true, params: { factory: 'Flat' }, invalidParams });
  // IVF probing every cell is exhaustive, hence exact too; its removals are tombstones, so this
  // holds the tombstone path to the exact standard. (HNSW is not run here: FAISS 1.7.3's HNSW
  // returns at most a few hundred results for any k, so "every allowed key among a handful" can
  // come back short; core answers such queries exactly. See the README.)
  indexConformanceSuite({
    plugin,
    name: 'faiss IVF4,Flat',
    exact: true,
    params: { factory: 'IVF4,Flat', nprobe: 4 },
    invalidParams,
  });
}
