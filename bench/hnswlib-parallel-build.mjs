#!/usr/bin/env node
// vecdex's native hnswlib build against hnswlib-node, at the binding level: build time and
// recall@10 for the same vectors inserted on 2 threads (addPoints), on 1 thread (addPoints),
// and by hnswlib-node's addPoint one at a time (vectors converted into one reused number[]).
//
//   node bench/hnswlib-parallel-build.mjs [--size 200000] [--dim 128] [--queries 200] [--ef 64]
//                                         [--M 16] [--ef-construction 100] [--threads 2]
//
// Data: seeded clustered synthetic vectors (bench/lib/clustered.mjs, as bench/scale.mjs), l2;
// queries are further draws of the same distribution. Ground truth: exact top 10 in JS. Needs
// the native build (node packages/index-hnswlib/native/build.mjs; scripts/setup.sh runs it).
// This is the measurement behind the level patch in native/build.mjs: without it, two threads
// shared hnswlib's level generator and lost recall (0.972 against 0.992 at the defaults).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusteredSource } from './lib/clustered.mjs';
import { bruteForce } from './lib/fashion-mnist.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'packages/index-hnswlib/package.json'));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const N = arg('size', 200_000);
const dim = arg('dim', 128);
const Q = arg('queries', 200);
const ef = arg('ef', 64);
const M = arg('M', 16);
const efC = arg('ef-construction', 100);
const threads = arg('threads', 2);

const native = require(path.join(ROOT, 'packages/index-hnswlib/native/build/hnsw-native.node'));
const hnswlibNode = require('hnswlib-node');
const src = clusteredSource({ dim, seed: 20261202 });
const base = new Float32Array(N * dim);
for (let i = 0; i < N; i++) base.set(src.vectorAt(i), i * dim);
const queries = Array.from({ length: Q }, (_, j) => src.vectorAt(N * 4 + j));
console.error(`${N} x ${dim}: exact top 10 for ${Q} queries ...`);
const flatQueries = new Float32Array(Q * dim);
for (let j = 0; j < Q; j++) flatQueries.set(queries[j], j * dim);
const { ids } = bruteForce(base, N, flatQueries, 0, Q, 10, dim);
const truth = queries.map((_, j) => new Set(ids.subarray(j * 10, (j + 1) * 10)));
const recall = (g, asArray) => {
  let hits = 0;
  queries.forEach((q, j) => {
    for (const label of g.searchKnn(asArray ? Array.from(q) : q, 10).neighbors) if (truth[j].has(label)) hits++;
  });
  return hits / (10 * Q);
};

const labels = Uint32Array.from({ length: N }, (_, i) => i);
const rows = [];
for (const [name, t] of [
  [`native, addPoints on ${threads} threads`, threads],
  ['native, addPoints on 1 thread', 1],
  ['hnswlib-node, addPoint one at a time', 0],
]) {
  console.error(`${name} ...`);
  const g = t > 0 ? new native.HierarchicalNSW('l2', dim) : new hnswlibNode.HierarchicalNSW('l2', dim);
  g.initIndex(N, M, efC, 100, false);
  const started = performance.now();
  if (t > 0) {
    for (let s = 0; s < N; s += 5000) {
      const e = Math.min(N, s + 5000);
      await g.addPoints(base.subarray(s * dim, e * dim), labels.subarray(s, e), t);
    }
  } else {
    const row = new Array(dim).fill(0.5);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < dim; j++) row[j] = base[i * dim + j];
      g.addPoint(row, i);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  g.setEf(ef);
  rows.push({ name, seconds, recall: recall(g, t === 0) });
}
const node = rows[2].seconds;
console.log(`${N} x ${dim}, M ${M}, efConstruction ${efC}; recall@10 at ef ${ef} over ${Q} queries\n`);
console.log('| build | seconds | vs hnswlib-node | recall@10 |');
console.log('|---|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.name} | ${r.seconds.toFixed(1)} | ${(r.seconds / node).toFixed(2)} | ${r.recall.toFixed(3)} |`);
