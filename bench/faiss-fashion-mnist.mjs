#!/usr/bin/env node
// vecdex + the FAISS sidecar against raw faiss-node, on real data: Fashion-MNIST (ann-benchmarks'
// fashion-mnist-784-euclidean: 60,000 train vectors as the base, the t10k set as queries, 784-d
// float32 from uint8 pixels, l2), with the hnswlib plugin beside them.
//
//   node bench/faiss-fashion-mnist.mjs [--base 60000] [--queries 1000] [--k 10] [--repeats 1]
//        [--only Flat,IVF,SQ8,PQ,HNSW,hnswlib] [--nlist 512] [--nprobe 4,16,32,64] [--pq 16]
//        [--hnsw-M 32] [--ef 16,64] [--sample 0.35] [--flat-queries 100] [--markdown] [--json]
//
// In one process, on the same vectors, for each factory string:
//
//   raw      faiss-node: Index.fromFactory(784, factory, L2), train on the same evenly spaced
//            sample the plugin takes (`sample` of the base), nprobe / efSearch / efConstruction
//            set the only way faiss-node allows (written into the serialized index and read
//            back: the plugin's patchSerialized), add all vectors in chunks of 4096, queries
//            pre-converted to number[] once, search(q, k).
//   vecdex   openVecdex() with the sqlite-vec store and @vecdex/sidecar-faiss: the 60k items are
//            upserted once; per factory vx.indexes.create + build (reads the store, trains,
//            adds, saves with checksums), then collection.similar(q, { index, k, params:
//            { nprobe | efSearch }, include: {} }) with a Float32Array, one query at a time.
//   hnswlib  the same through @vecdex/index-hnswlib (M 16, efConstruction 200) for reference.
//
// Recall@k is tie-aware (a hit counts when its exact distance is within the k-th true distance),
// against exact brute-force ground truth (bench/lib/fashion-mnist.mjs, cached in os.tmpdir()).
// Flat answers only the first --flat-queries queries (exhaustive search over 60k×784 runs a few
// queries a second; its recall is 1 by construction). QPS: after 20 warm-up queries, raw and vecdex alternate in chunks of 50 queries, so load from
// elsewhere on a shared machine hits both alike; the best of --repeats counts. Size: the bytes of
// the FAISS index file (raw: write_index; vecdex: index + label map, as saved), which is also
// about what the index holds in memory.
//
// FAISS uses OpenMP; on a machine shared with other jobs its idle threads must not spin
// (OMP_WAIT_POLICY=PASSIVE, which the plugin sets when the variable is unset, before FAISS loads).
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import { patchSerialized } from '@vecdex/sidecar-faiss';
import faissNode from 'faiss-node';
import { DIMENSIONS, ensureFashionMnist, groundTruth, loadFashionMnist, recallOf, row } from './lib/fashion-mnist.mjs';
import { markdownTable, qpsText, textTable } from './lib/text-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { Index, MetricType } = faissNode;
const COLLECTION = 'fmnist';
const WARMUP = 20;
const CHUNK = 50;
const ADD_CHUNK = 4096;

const opts = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);
const now = () => performance.now();
const secs = (ms) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const mib = (b) => (b / 2 ** 20).toFixed(1);

function parseArgs(argv) {
  const o = {
    base: 60_000,
    queries: 1000,
    k: 10,
    repeats: 1,
    only: ['Flat', 'IVF', 'SQ8', 'PQ', 'HNSW', 'hnswlib'],
    nlist: 512,
    nprobe: [4, 16, 32, 64],
    pq: 16,
    hnswM: 32,
    ef: [16, 64],
    sample: 0.35,
    flatQueries: 100,
    markdown: false,
    json: false,
  };
  const list = (v) => v.split(',').map((x) => (Number.isNaN(Number(x)) ? x : Number(x)));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--base') o.base = Number(v());
    else if (a === '--queries') o.queries = Number(v());
    else if (a === '--k') o.k = Number(v());
    else if (a === '--repeats') o.repeats = Number(v());
    else if (a === '--only') o.only = v().split(',');
    else if (a === '--nlist') o.nlist = Number(v());
    else if (a === '--nprobe') o.nprobe = list(v());
    else if (a === '--pq') o.pq = Number(v());
    else if (a === '--hnsw-M') o.hnswM = Number(v());
    else if (a === '--ef') o.ef = list(v());
    else if (a === '--sample') o.sample = Number(v());
    else if (a === '--flat-queries') o.flatQueries = Number(v());
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--json') o.json = true;
    else {
      console.error(`unknown option ${a}; see the header of bench/faiss-fashion-mnist.mjs`);
      process.exit(2);
    }
  }
  return o;
}

/** The plugin's training sample: `count` rows spread evenly (floor(i·n/count)). */
function trainingSample(base, n, count) {
  if (count >= n) return Array.from(base.subarray(0, n * DIMENSIONS));
  const out = new Array(count * DIMENSIONS);
  for (let i = 0; i < count; i++) {
    const src = Math.floor((i * n) / count) * DIMENSIONS;
    for (let d = 0; d < DIMENSIONS; d++) out[i * DIMENSIONS + d] = base[src + d];
  }
  return out;
}

/** A copy of `index` with search-time settings written into its serialized form. */
function tuned(index, tuning, nlist, tmp) {
  const file = path.join(tmp, 'raw-tune.faiss');
  index.write(file);
  const buf = fs.readFileSync(file);
  fs.rmSync(file);
  if (!patchSerialized(buf, tuning, nlist)) throw new Error(`cannot set ${JSON.stringify(tuning)}`);
  return Index.fromBuffer(buf);
}

function rawBuild(data, spec, tmp) {
  const N = data.baseCount;
  const t = now();
  let index = Index.fromFactory(DIMENSIONS, spec.factory, MetricType.METRIC_L2);
  if (!index.isTrained()) {
    const minTrain = Math.max(spec.nlist ?? 1, spec.factory.includes('PQ') ? 256 : 1);
    index.train(trainingSample(data.base, N, Math.max(minTrain, Math.ceil(opts.sample * N))));
  }
  if (spec.hnsw) index = tuned(index, { efConstruction: 40, efSearch: 16 }, null, tmp);
  const chunk = new Array(ADD_CHUNK * DIMENSIONS);
  for (let start = 0; start < N; start += ADD_CHUNK) {
    const end = Math.min(N, start + ADD_CHUNK);
    const arr = end - start === ADD_CHUNK ? chunk : new Array((end - start) * DIMENSIONS);
    for (let i = 0; i < (end - start) * DIMENSIONS; i++) arr[i] = data.base[start * DIMENSIONS + i];
    index.add(arr);
  }
  const ms = now() - t;
  const file = path.join(tmp, 'raw-size.faiss');
  index.write(file);
  const bytes = fs.statSync(file).size;
  fs.rmSync(file);
  return { index, ms, bytes };
}

/** Time `variants` (name → async (i) => ids) over all queries, interleaved in chunks; returns qps and recall. */
async function measure(variants, data, gt, limit = data.queryCount) {
  const names = Object.keys(variants);
  const Q = Math.min(limit, data.queryCount);
  const out = Object.fromEntries(names.map((n) => [n, { qps: 0, recall: 0 }]));
  for (const n of names) for (let i = 0; i < Math.min(WARMUP, Q); i++) await variants[n](i);
  for (let r = 0; r < opts.repeats; r++) {
    const time = Object.fromEntries(names.map((n) => [n, 0]));
    const recall = Object.fromEntries(names.map((n) => [n, 0]));
    for (let c = 0; c < Q; c += CHUNK) {
      const order = names.map((_, j) => names[(j + c / CHUNK) % names.length]);
      for (const n of order) {
        const t = now();
        const results = [];
        for (let i = c; i < Math.min(Q, c + CHUNK); i++) results.push(await variants[n](i));
        time[n] += now() - t;
        results.forEach((ids, j) => {
          const i = c + j;
          recall[n] += recallOf(ids, row(data.queries, i), gt.dist[i * gt.k + opts.k - 1], data.base, opts.k);
        });
      }
    }
    for (const n of names) {
      out[n].qps = Math.max(out[n].qps, (Q / time[n]) * 1000);
      out[n].recall = recall[n] / Q;
    }
  }
  return out;
}

async function main() {
  ensureFashionMnist(undefined, log);
  const N = opts.base;
  const Q = opts.queries;
  const data = loadFashionMnist({ base: N, queries: Q });
  const gt = await groundTruth(data, { k: 100, log });
  const queryArrays = Array.from({ length: Q }, (_, i) => Array.from(row(data.queries, i)));
  const queryVectors = Array.from({ length: Q }, (_, i) => row(data.queries, i).slice());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-faiss-'));
  const rows = [];
  const json = {
    dataset: 'fashion-mnist-784-euclidean',
    base: N,
    queries: Q,
    k: opts.k,
    sample: opts.sample,
    machine: machine(),
    results: [],
  };
  const vx = await openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(tmp, 'vecdex.db') } },
      plugins: ['@vecdex/sidecar-faiss', '@vecdex/index-hnswlib'],
      dataDir: path.join(tmp, 'data'),
    },
    cwd: tmp,
    env: {},
    resolvePaths: [HERE],
  });
  try {
    await vx.collections.create({ name: COLLECTION, dimensions: DIMENSIONS, metric: 'l2' });
    const coll = vx.collection(COLLECTION);
    let t = now();
    for (let start = 0; start < N; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(N, start + 1000); i++) items.push({ id: String(i), vector: row(data.base, i) });
      await coll.upsert(items);
    }
    log(`vecdex: upserted ${N} items in ${secs(now() - t)} s`);
    const ids = (hits) => hits.map((h) => Number(h.id));
    const nl = opts.nlist;
    const specs = [
      { key: 'Flat', factory: 'Flat', nlist: null, settings: [null] },
      { key: 'IVF', factory: `IVF${nl},Flat`, nlist: nl, settings: opts.nprobe },
      { key: 'SQ8', factory: `IVF${nl},SQ8`, nlist: nl, settings: opts.nprobe.filter((p) => p >= 16) },
      { key: 'PQ', factory: `IVF${nl},PQ${opts.pq}`, nlist: nl, settings: opts.nprobe.filter((p) => p >= 16) },
      { key: 'HNSW', factory: `HNSW${opts.hnswM}`, nlist: null, hnsw: true, settings: opts.ef },
    ].filter((s) => opts.only.includes(s.key));

    for (const spec of specs) {
      // The plugin builds PQ without polysemous training (an optimisation it never uses); so does raw.
      const rawFactory = spec.factory.replace(/,PQ(\d+)$/, ',PQ$1np');
      log(`${spec.factory}: raw faiss-node build ...`);
      const raw = rawBuild(data, { ...spec, factory: rawFactory }, tmp);
      log(`${spec.factory}: raw built in ${secs(raw.ms)} s, ${mib(raw.bytes)} MiB; vecdex build ...`);
      const name = `fx-${spec.key.toLowerCase()}`;
      await vx.indexes.create({
        name,
        plugin: 'faiss',
        collections: [COLLECTION],
        params: { factory: spec.factory, sample: opts.sample, ...(spec.hnsw ? { efSearch: 16, efConstruction: 40 } : {}) },
      });
      t = now();
      const status = await vx.indexes.build(name);
      const vxMs = now() - t;
      log(`${spec.factory}: vecdex built in ${secs(vxMs)} s, ${mib(status.bytesOnDisk)} MiB (${status.stats.factory})`);
      for (const setting of spec.settings) {
        const params = setting === null ? undefined : spec.hnsw ? { efSearch: setting } : { nprobe: setting };
        const rawIndex = params === undefined ? raw.index : tuned(raw.index, params, spec.nlist, tmp);
        const m = await measure(
          {
            raw: async (i) => rawIndex.search(queryArrays[i], opts.k).labels,
            vecdex: async (i) =>
              ids(await coll.similar(queryVectors[i], { index: name, k: opts.k, include: {}, ...(params ? { params } : {}) })),
          },
          data,
          gt,
          spec.key === 'Flat' ? opts.flatQueries : Q,
        );
        const label = setting === null ? '-' : `${spec.hnsw ? 'efSearch' : 'nprobe'} ${setting}`;
        log(
          `  ${label}: raw ${qpsText(m.raw.qps)} qps recall ${m.raw.recall.toFixed(3)}; vecdex ${qpsText(m.vecdex.qps)} qps recall ${m.vecdex.recall.toFixed(3)}`,
        );
        rows.push([
          spec.factory,
          label,
          secs(raw.ms),
          secs(vxMs),
          (vxMs / raw.ms).toFixed(2),
          mib(raw.bytes),
          mib(status.bytesOnDisk),
          m.raw.recall.toFixed(3),
          m.vecdex.recall.toFixed(3),
          qpsText(m.raw.qps),
          qpsText(m.vecdex.qps),
          (m.vecdex.qps / m.raw.qps).toFixed(2),
        ]);
        json.results.push({
          factory: spec.factory,
          setting: params ?? null,
          rawBuildMs: raw.ms,
          vecdexBuildMs: vxMs,
          rawBytes: raw.bytes,
          vecdexBytes: status.bytesOnDisk,
          ...m,
        });
      }
      await vx.indexes.drop(name);
    }

    if (opts.only.includes('hnswlib')) {
      log('hnswlib plugin (M 16, efConstruction 200): build ...');
      await vx.indexes.create({
        name: 'hnsw',
        plugin: 'hnswlib',
        collections: [COLLECTION],
        params: { M: 16, efConstruction: 200 },
      });
      t = now();
      const status = await vx.indexes.build('hnsw');
      const ms = now() - t;
      for (const ef of opts.ef) {
        const m = await measure(
          {
            vecdex: async (i) =>
              ids(await coll.similar(queryVectors[i], { index: 'hnsw', k: opts.k, include: {}, params: { efSearch: ef } })),
          },
          data,
          gt,
        );
        log(`  hnswlib efSearch ${ef}: ${qpsText(m.vecdex.qps)} qps recall ${m.vecdex.recall.toFixed(3)}`);
        rows.push([
          'hnswlib plugin M16',
          `efSearch ${ef}`,
          '-',
          secs(ms),
          '-',
          '-',
          mib(status.bytesOnDisk),
          '-',
          m.vecdex.recall.toFixed(3),
          '-',
          qpsText(m.vecdex.qps),
          '-',
        ]);
        json.results.push({
          factory: 'hnswlib M16 efConstruction 200',
          setting: { efSearch: ef },
          vecdexBuildMs: ms,
          vecdexBytes: status.bytesOnDisk,
          ...m,
        });
      }
      await vx.indexes.drop('hnsw');
    }
  } finally {
    await vx.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const headers = [
    'index',
    'search',
    'build s raw',
    'build s vecdex',
    'build ratio',
    'MiB raw',
    'MiB vecdex',
    'recall raw',
    'recall vecdex',
    'QPS raw',
    'QPS vecdex',
    'QPS ratio',
  ];
  if (opts.json) console.log(JSON.stringify(json, null, 2));
  else {
    console.log(`\nFashion-MNIST ${N} base × ${Q} queries, ${DIMENSIONS}-d l2, recall@${opts.k} vs exact; ${machine()}\n`);
    console.log(opts.markdown ? markdownTable(headers, rows) : textTable(headers, rows));
  }
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.versions.node}, load ${os.loadavg()[0].toFixed(1)}`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
