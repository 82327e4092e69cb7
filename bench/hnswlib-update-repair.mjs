#!/usr/bin/env node
// What an update in place costs in hnswlib, and what a cheaper one loses: recall@10 after rounds
// of 1 % updates (existing labels given new vectors) with updatePoint's neighbour-repair
// probability p (hnswlib's addPoint always passes 1.0: every old neighbour's links are redone
// from its two-hop neighbourhood), against a graph built afresh from the same final vectors.
//
//   node bench/hnswlib-update-repair.mjs [--data fashion|clustered] [--size 50000] [--rounds 20]
//                                        [--queries 500] [--p 1,0.5,0.1,0] [--threads 2]
//                                        [--M 16] [--ef-construction 200]
//
// fashion: Fashion-MNIST (784-d, l2, real): the first --size train vectors are the start; the
// replacement vectors are the train vectors after them and then test vectors after the queries;
// queries are the first --queries test vectors. clustered: seeded 128-d clusters (as
// bench/scale.mjs). Every variant starts from the same saved graph (one build, read back per
// p), applies the same updates with the native build's addPoints on --threads threads, and is
// measured at the same checkpoints against exact search over the vectors at that point
// (recall: results no farther than the true 10th). Needs the native build
// (node packages/index-hnswlib/native/build.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusteredSource } from './lib/clustered.mjs';
import { bruteForce, ensureFashionMnist, l2sq, loadFashionMnist, loadTestVectors } from './lib/fashion-mnist.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'packages/index-hnswlib/package.json'));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const data = opt('data', 'fashion');
const N = Number(opt('size', data === 'fashion' ? 50_000 : 200_000));
const rounds = Number(opt('rounds', 20));
const Q = Number(opt('queries', 500));
const ps = opt('p', '1,0.5,0.1,0').split(',').map(Number);
const threads = Number(opt('threads', 2));
const M = Number(opt('M', 16));
const efC = Number(opt('ef-construction', 200));
const EFS = [10, 20, 40, 80];
const perRound = Math.round(N / 100);
const log = (...a) => console.error(...a);

// Vectors: base (N rows), queries (Q rows), replacements (rounds * perRound rows).
let dim;
let base;
let queries;
let pool;
const need = rounds * perRound;
if (data === 'fashion') {
  ensureFashionMnist(undefined, log);
  const fm = loadFashionMnist({ base: 60_000, queries: Q });
  dim = fm.dimensions;
  base = fm.base.slice(0, N * dim);
  queries = fm.queries;
  const fromTrain = Math.min(need, 60_000 - N);
  pool = new Float32Array(need * dim);
  pool.set(fm.base.subarray(N * dim, (N + fromTrain) * dim));
  if (need > fromTrain) pool.set(loadTestVectors(Q, need - fromTrain), fromTrain * dim);
} else {
  dim = 128;
  const src = clusteredSource({ dim, seed: 20261204 });
  const fill = (from, n) => {
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) out.set(src.vectorAt(from + i), i * dim);
    return out;
  };
  base = fill(0, N);
  queries = fill(N * 4, Q);
  pool = fill(N * 8, need);
}

// The updates: round r gives ids r, r + 100, r + 200, ... (1 %, other ids each round) new vectors.
const idsOf = (r) => Uint32Array.from({ length: perRound }, (_, j) => (j * 100 + r) % N);
const checkpoints = [1, 5, 10, 20, 40].filter((r) => r <= rounds);
if (!checkpoints.includes(rounds)) checkpoints.push(rounds);

// Round r's new vectors (pool rows), and writing them over their ids' rows of `vectors`.
const rowsOf = (r) => pool.subarray((r - 1) * perRound * dim, r * perRound * dim);
const applyRound = (vectors, r) => {
  const ids = idsOf(r - 1);
  const rows = rowsOf(r);
  for (let j = 0; j < perRound; j++) vectors.set(rows.subarray(j * dim, (j + 1) * dim), ids[j] * dim);
};

// Exact top-10 distances (the 10th, for recall) of every query over `vectors`: at the start and
// at each checkpoint, over the vectors then.
const exactKth = (vectors) => {
  const { dist } = bruteForce(vectors, N, queries, 0, Q, 10, dim);
  return Float64Array.from({ length: Q }, (_, q) => dist[q * 10 + 9]);
};
log(`${data}: ${N} x ${dim}, ${rounds} rounds of ${perRound} updates; exact search at ${checkpoints.join(', ')} ...`);
const current = base.slice();
const kth = new Map();
for (let r = 1; r <= rounds; r++) {
  applyRound(current, r);
  if (checkpoints.includes(r)) kth.set(r, exactKth(current));
}
const initialKth = exactKth(base);

const native = require(path.join(ROOT, 'packages/index-hnswlib/native/build/hnsw-native.node'));
const recall = (g, vectors, truthKth, ef) => {
  g.setEf(ef);
  let hits = 0;
  for (let q = 0; q < Q; q++) {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    for (const label of g.searchKnn(qv, 10).neighbors) {
      if (l2sq(queries, q * dim, vectors, label * dim, dim) <= truthKth[q] * (1 + 1e-6)) hits++;
    }
  }
  return hits / (10 * Q);
};

const build = async (vectors) => {
  const g = new native.HierarchicalNSW('l2', dim);
  g.initIndex(N, M, efC, 100, false);
  const labels = Uint32Array.from({ length: N }, (_, i) => i);
  const t = performance.now();
  for (let s = 0; s < N; s += 10_000) {
    const e = Math.min(N, s + 10_000);
    await g.addPoints(vectors.subarray(s * dim, e * dim), labels.subarray(s, e), threads);
  }
  return { g, seconds: (performance.now() - t) / 1000 };
};

log('build ...');
const start = await build(base);
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-update-repair-')), 'start.bin');
await start.g.writeIndex(file);
const startRecall = EFS.map((ef) => recall(start.g, base, initialKth, ef));
const insertMs = (start.seconds * 1000) / N;
log(`  ${start.seconds.toFixed(1)} s (${insertMs.toFixed(3)} ms an insert on ${threads} threads)`);

const results = [];
for (const p of ps) {
  log(`p = ${p} ...`);
  const g = new native.HierarchicalNSW('l2', dim);
  await g.readIndex(file);
  g.setUpdateNeighborProbability(p);
  const vectors = base.slice();
  let seconds = 0;
  const at = new Map();
  for (let r = 1; r <= rounds; r++) {
    const t = performance.now();
    await g.addPoints(rowsOf(r), idsOf(r - 1), threads);
    seconds += (performance.now() - t) / 1000;
    applyRound(vectors, r);
    if (checkpoints.includes(r))
      at.set(
        r,
        EFS.map((ef) => recall(g, vectors, kth.get(r), ef)),
      );
  }
  results.push({ p, msPerUpdate: (seconds * 1000) / (rounds * perRound), at });
}
log('fresh build of the final vectors ...');
const fresh = await build(current);
const freshRecall = EFS.map((ef) => recall(fresh.g, current, kth.get(rounds), ef));
fs.rmSync(path.dirname(file), { recursive: true, force: true });

const f3 = (x) => x.toFixed(3);
console.log(
  `${data}, ${N} x ${dim}, M ${M}, efConstruction ${efC}, ${threads} threads; ${perRound} updates a round; recall@10 over ${Q} queries at efSearch ${EFS.join(' / ')}\n`,
);
console.log(
  `built in ${start.seconds.toFixed(1)} s: ${insertMs.toFixed(3)} ms an insert; recall before any update ${startRecall.map(f3).join(' / ')}\n`,
);
console.log(
  `| repair p | ms an update | vs an insert | ${checkpoints.map((r) => `after ${r} round${r > 1 ? 's' : ''} (${r}%)`).join(' | ')} |`,
);
console.log(`|---:|---:|---:|${checkpoints.map(() => '---').join('|')}|`);
for (const r of results) {
  console.log(
    `| ${r.p} | ${r.msPerUpdate.toFixed(3)} | ${(r.msPerUpdate / insertMs).toFixed(2)}× | ${checkpoints.map((c) => r.at.get(c).map(f3).join(' / ')).join(' | ')} |`,
  );
}
console.log(
  `| fresh build of the final vectors | | | ${checkpoints.map((c) => (c === rounds ? freshRecall.map(f3).join(' / ') : '')).join(' | ')} |`,
);
