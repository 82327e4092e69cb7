#!/usr/bin/env node
// The floor under a sync of 1 %: what raw hnswlib-node and raw usearch pay for the same changes
// on their own, beside vecdex's sync through the API, each as a share of its own build.
//
//   node bench/sync-floor.mjs [--sizes 10k,100k] [--dim 128] [--rounds 4]
//
// Data: bench/lib/clustered.mjs (seeded, 1,000 centres, as scale.mjs), l2. Per size:
//   raw hnswlib-node  build (M 16, efConstruction 100, seed 100, one core), then per round 1 % of
//                     the points replaced (addPoint on a live label: hnswlib's updatePoint) and
//                     writeIndex of the whole graph, timed apart.
//   raw usearch       build (connectivity 16, expansionAdd 100, every core), then per round 1 %
//                     replaced (remove + add on one thread, as the plugin does under 10,000) and
//                     save of the whole index, timed apart.
//   vecdex            the sqlite-vec store, an hnswlib and a usearch index with the same params,
//                     built through vx.indexes.build; per round 1 % upserted with new vectors and
//                     vx.indexes.sync per index (the journal append, or a whole write once the
//                     journals would take too long to replay).
// The table: each cost as a share of the same side's build, median over the rounds, and the
// slowest vecdex round. The replace is the library's own work; what vecdex adds is reading the
// change feed and its save.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import hnswlib from 'hnswlib-node';
import usearch from 'usearch';
import { clusteredSource } from './lib/clustered.mjs';
import { markdownTable, textTable } from './lib/text-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SEED = 20261202;
const log = (...a) => console.error(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => performance.now() / 1000;

const opts = { sizes: [10_000, 100_000], dim: 128, rounds: 4 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--sizes')
    opts.sizes = argv[++i].split(',').map((s) => Number(s.replace(/k$/i, '000').replace(/m$/i, '000000')));
  else if (argv[i] === '--dim') opts.dim = Number(argv[++i]);
  else if (argv[i] === '--rounds') opts.rounds = Number(argv[++i]);
  else throw new Error(`unknown argument ${argv[i]}`);
}

/** Round r's replacements: 1 % of the ids (other ones each round) and their new vectors. */
function changes(src, size, round) {
  const n = Math.round(size / 100);
  return Array.from({ length: n }, (_, j) => ({ i: j * 100 + round, vector: src.vectorAt(size * 8 + round * n + j) }));
}

function rawHnswlib(src, size, dir) {
  const index = new hnswlib.HierarchicalNSW('l2', opts.dim);
  index.initIndex(size, 16, 100, 100, false);
  const row = new Array(opts.dim);
  const fill = (v) => {
    for (let d = 0; d < opts.dim; d++) row[d] = v[d];
    return row;
  };
  let t = now();
  for (let i = 0; i < size; i++) index.addPoint(fill(src.vectorAt(i)), i);
  const build = now() - t;
  const replace = [];
  const write = [];
  for (let r = 0; r < opts.rounds; r++) {
    const c = changes(src, size, r);
    t = now();
    for (const { i, vector } of c) index.addPoint(fill(vector), i);
    replace.push(now() - t);
    t = now();
    index.writeIndexSync(path.join(dir, 'raw.hnsw'));
    write.push(now() - t);
  }
  return { build, replace: median(replace), write: median(write) };
}

function rawUsearch(src, size, dir) {
  const index = new usearch.Index({
    metric: 'l2sq',
    dimensions: opts.dim,
    connectivity: 16,
    expansion_add: 100,
    expansion_search: 64,
  });
  const all = new Float32Array(size * opts.dim);
  for (let i = 0; i < size; i++) all.set(src.vectorAt(i), i * opts.dim);
  const keys = BigUint64Array.from({ length: size }, (_, i) => BigInt(i));
  let t = now();
  index.add(keys, all, os.availableParallelism());
  const build = now() - t;
  const replace = [];
  const write = [];
  for (let r = 0; r < opts.rounds; r++) {
    const c = changes(src, size, r);
    const k = BigUint64Array.from(c, ({ i }) => BigInt(i));
    const v = new Float32Array(c.length * opts.dim);
    for (const [j, { vector }] of c.entries()) v.set(vector, j * opts.dim);
    t = now();
    index.remove(k);
    index.add(k, v, 1);
    replace.push(now() - t);
    t = now();
    index.save(path.join(dir, 'raw.usearch'));
    write.push(now() - t);
  }
  return { build, replace: median(replace), write: median(write) };
}

async function viaVecdex(src, size, dir) {
  const vx = await openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(dir, 'store.db') } },
      plugins: ['@vecdex/index-hnswlib', '@vecdex/index-usearch'],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
    resolvePaths: [HERE],
  });
  await vx.collections.create({ name: 'c', dimensions: opts.dim, metric: 'l2' });
  const col = vx.collection('c');
  for (let s = 0; s < size; s += 5000) {
    const items = [];
    for (let i = s; i < Math.min(size, s + 5000); i++) items.push({ id: String(i), vector: src.vectorAt(i) });
    await col.upsert(items);
  }
  const plugins = {
    hnswlib: { M: 16, efConstruction: 100, randomSeed: 100 },
    usearch: { connectivity: 16, expansionAdd: 100, threads: 0 },
  };
  const out = {};
  for (const [plugin, params] of Object.entries(plugins)) {
    await vx.indexes.create({ name: plugin, plugin, collections: ['c'], params });
    const t = now();
    await vx.indexes.build(plugin);
    out[plugin] = { build: now() - t, sync: [] };
  }
  for (let r = 0; r < opts.rounds; r++) {
    await col.upsert(changes(src, size, r).map(({ i, vector }) => ({ id: String(i), vector })));
    for (const plugin of Object.keys(plugins)) {
      const t = now();
      await vx.indexes.sync(plugin);
      out[plugin].sync.push(now() - t);
    }
  }
  await vx.close();
  for (const o of Object.values(out)) {
    o.median = median(o.sync);
    o.slowest = Math.max(...o.sync);
  }
  return out;
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const rows = [];
for (const size of opts.sizes) {
  const src = clusteredSource({ dim: opts.dim, seed: SEED });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-sync-floor-'));
  try {
    log(`${size}: raw hnswlib-node`);
    const h = rawHnswlib(src, size, dir);
    log(`${size}: raw usearch`);
    const u = rawUsearch(src, size, dir);
    log(`${size}: vecdex`);
    const v = await viaVecdex(src, size, dir);
    rows.push([
      String(size),
      pct(h.replace / h.build),
      pct(h.write / h.build),
      pct(v.hnswlib.median / v.hnswlib.build),
      pct(v.hnswlib.slowest / v.hnswlib.build),
      pct(u.replace / u.build),
      pct(u.write / u.build),
      pct(v.usearch.median / v.usearch.build),
      pct(v.usearch.slowest / v.usearch.build),
    ]);
    log(JSON.stringify({ size, rawHnswlib: h, rawUsearch: u, vecdex: v }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const headers = [
  'items',
  'raw hnswlib: replace 1% / build',
  'raw hnswlib: writeIndex / build',
  'vecdex hnswlib: sync 1% / build (median)',
  'slowest',
  'raw usearch: replace 1% / build',
  'raw usearch: save / build',
  'vecdex usearch: sync 1% / build (median)',
  'slowest',
];
console.log(textTable(headers, rows));
console.log();
console.log(markdownTable(headers, rows));
console.log(
  `\ndim ${opts.dim}, ${opts.rounds} rounds, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
