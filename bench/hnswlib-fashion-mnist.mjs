#!/usr/bin/env node
// vecdex + hnswlib against raw hnswlib-node, on real data: Fashion-MNIST (ann-benchmarks'
// fashion-mnist-784-euclidean: 60,000 train vectors as the base, the t10k set as queries,
// 784-d float32 from uint8 pixels, l2).
//
//   node bench/hnswlib-fashion-mnist.mjs [--base 60000] [--queries 1000] [--ef 10,20,40,80,120,200,400]
//                                        [--repeats 3] [--k 10] [--M 16] [--ef-construction 200]
//                                        [--seed 100] [--batch 1000] [--no-sync] [--keep] [--json]
//                                        [--dir DIR]
//
// In one process, on the same vectors, with the same parameters (M, efConstruction, randomSeed):
//
//   raw hnswlib-node  HierarchicalNSW('l2') sized for the base up front, addPoint(number[], i) in
//                     id order (vectors converted into one reused number[]); queries pre-converted
//                     to number[] once, setEf once per efSearch: the binding's best case.
//   vecdex            openVecdex() with the sqlite-vec backend and the hnswlib plugin: upsert in
//                     batches (id, vector, metadata { label }), vx.indexes.create + build (which
//                     reads the store, fills the graph and saves it, checksummed, to disk), then
//                     collection.similar(q, { index, k, params: { efSearch }, include: {} }) with a
//                     Float32Array, one query at a time. The line "vecdex +metadata" is the same
//                     with the default include (metadata fetched from the store per query).
//   raw +rows         the yardstick for that line: raw hnswlib-node's search, then the 10 hits'
//                     rows read from vecdex's own file by a bare better-sqlite3 statement (one
//                     read-only connection, `SELECT id, metadata ... WHERE cid = ? AND id IN
//                     (SELECT value FROM json_each(?))`, raw rows, JSON.parse of each metadata):
//                     what reading the hits' metadata from SQLite costs without any framework.
//
// vecdex's hnswlib plugin runs on vecdex's native build of the same hnswlib when scripts/setup.sh
// made one for this CPU (packages/index-hnswlib/native: AVX-512/AVX kernels, Float32Array in,
// builds on every core), else on hnswlib-node; the report's first line says which. To measure the
// framework's own per-query cost over the very same binding as raw, run with
// VECDEX_HNSWLIB_BINDING=hnswlib-node.
//
// The index is filled in the same order with the same seed, so both graphs should be identical:
// the same ids for every query, and equal recall at every efSearch (the table's "same ids" column
// says which fraction of queries matched exactly; unequal recall is flagged). Recall@k is tie-aware (as in
// ann-benchmarks): a hit counts when its exact distance is within the k-th true distance. Ground
// truth is exact brute force in JS (two worker threads), cached in os.tmpdir() by sizes.
//
// QPS: per efSearch, every variant answers all queries (after 20 warm-up queries), interleaved in
// chunks of 50 queries with the variants' order rotating, so load from elsewhere on a shared
// machine hits them alike; each is timed over its chunks, and the best of the repeats counts (a
// shared machine only makes runs slower). Process CPU time (process.cpuUsage) is summed the same
// way and reported in --json only (cpuQps, cpuRatio): the kernel accounts it in ticks, coarse
// next to a 50-query chunk, so it is only meaningful over long runs.
//
// Sync: 1% of the base gets a new vector (test-set vectors after the queries) and 0.1% is
// deleted, through the collection API; then vx.indexes.sync is timed against the full build,
// and the same changes are applied to the raw index (addPoint on an existing label = in-place
// update, markDelete) for reference. Recall is measured again after the changes, against ground
// truth updated exactly (the cached top-100 minus changed ids, plus the new vectors).
//
// --dir DIR keeps both builds in DIR (the vecdex store and data dir, the raw index written with
// writeIndex) and reuses them on the next run with the same --base, --M, --ef-construction and
// --seed: the search table in about a minute instead of five. Both indexes are then loaded
// from their files, and the sync (which would change the kept store) is not run.
//
// The IDX files come from Debian's dataset-fashion-mnist package; it is installed with apt-get
// when missing (root only).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';
import {
  DIMENSIONS,
  ensureFashionMnist,
  groundTruth,
  l2sq,
  loadFashionMnist,
  loadTestVectors,
  recallOf,
  row,
} from './lib/fashion-mnist.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { HierarchicalNSW } = hnswlib;

const COLLECTION = 'fmnist';
const INDEX = 'fmnist-hnsw';
const WARMUP = 20;
/** Queries per variant before switching to the next one (see timeInterleaved). */
const CHUNK = 50;
/** Neighbours kept in the ground truth: enough to recompute the top k exactly after the sync's changes. */
const GT_K = 100;

const opts = parseArgs(process.argv.slice(2));
/** Progress goes to stderr, so `--json` output on stdout stays clean. */
const log = (...a) => console.error(...a);

const secs = (ms) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const now = () => performance.now();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  ensureFashionMnist(undefined, log);
  const { base: N, queries: Q, k } = opts;
  const syncUpserts = opts.sync ? Math.max(1, Math.round(N * 0.01)) : 0;
  const syncDeletes = opts.sync ? Math.max(1, Math.round(N * 0.001)) : 0;
  if (Q + syncUpserts > 10_000) usage(`--queries plus the ${syncUpserts} replacement vectors must fit the 10,000 test vectors`);

  let t = now();
  const data = loadFashionMnist({ base: N, queries: Q });
  log(`loaded ${N} base + ${Q} query vectors (${DIMENSIONS}-d) in ${secs(now() - t)} s`);
  const gt = await groundTruth(data, { k: GT_K, log });
  const truth = topK(gt, Q, k);

  const queryArrays = Array.from({ length: Q }, (_, i) => Array.from(row(data.queries, i)));
  const queryVectors = Array.from({ length: Q }, (_, i) => row(data.queries, i).slice());

  const tmp = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-fmnist-'));
  const kept = opts.dir === null ? null : keptBuilds(opts.dir);
  const result = {
    dataset: 'fashion-mnist-784-euclidean',
    base: N,
    queries: Q,
    k,
    params: { M: opts.M, efConstruction: opts.efConstruction, randomSeed: opts.seed },
    repeats: opts.repeats,
    machine: machine(),
    groundTruth: { file: gt.file, cached: gt.cached },
  };
  let vx;
  /** The yardstick's own read-only connection to vecdex's file (see "raw +rows"). */
  let rowsDb;
  try {
    // ---- builds -------------------------------------------------------------------------------
    const raw = new HierarchicalNSW('l2', DIMENSIONS);
    let rawBuildMs = 0;
    let rawBuildCpuMs = 0;
    let c0 = 0;
    if (kept?.reuse) {
      raw.readIndexSync(kept.rawFile);
      log(`raw hnswlib-node: read ${kept.rawFile} (built by an earlier run)`);
    } else {
      log(`raw hnswlib-node: building (M ${opts.M}, efConstruction ${opts.efConstruction}) ...`);
      t = now();
      c0 = cpuMs();
      raw.initIndex(N, opts.M, opts.efConstruction, opts.seed, false);
      const scratch = new Array(DIMENSIONS).fill(0);
      for (let i = 0; i < N; i++) {
        const v = row(data.base, i);
        for (let j = 0; j < DIMENSIONS; j++) scratch[j] = v[j];
        raw.addPoint(scratch, i);
      }
      rawBuildMs = now() - t;
      rawBuildCpuMs = cpuMs() - c0;
      log(`raw hnswlib-node: built in ${secs(rawBuildMs)} s`);
      if (kept) raw.writeIndexSync(kept.rawFile);
    }

    vx = await openVecdex({
      config: {
        backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(tmp, 'vecdex.db') } },
        plugins: ['@vecdex/index-hnswlib'],
        dataDir: path.join(tmp, 'data'),
      },
      cwd: tmp,
      env: {},
      resolvePaths: [HERE],
    });
    const coll = vx.collection(COLLECTION);
    if (kept?.reuse) {
      const status = await vx.indexes.status(INDEX);
      log(`vecdex: reopened the store in ${tmp} (${status.items} items indexed, built by an earlier run)`);
      result.build = { reused: tmp };
    } else {
      log('vecdex: upserting ...');
      await vx.collections.create({ name: COLLECTION, dimensions: DIMENSIONS, metric: 'l2' });
      t = now();
      for (let start = 0; start < N; start += opts.batch) {
        const end = Math.min(N, start + opts.batch);
        const items = [];
        for (let i = start; i < end; i++)
          items.push({ id: String(i), vector: row(data.base, i), metadata: { label: data.baseLabels[i] } });
        await coll.upsert(items);
      }
      const ingestMs = now() - t;
      log(`vecdex: upserted ${N} items in ${secs(ingestMs)} s; building the index ...`);
      await vx.indexes.create({
        name: INDEX,
        plugin: 'hnswlib',
        collections: [COLLECTION],
        params: { M: opts.M, efConstruction: opts.efConstruction, randomSeed: opts.seed },
      });
      t = now();
      c0 = cpuMs();
      const status = await vx.indexes.build(INDEX);
      const vxBuildMs = now() - t;
      const vxBuildCpuMs = cpuMs() - c0;
      log(
        `vecdex: built in ${secs(vxBuildMs)} s (${status.items} items, ${(status.bytesOnDisk / 2 ** 20).toFixed(0)} MiB on disk)`,
      );
      result.build = {
        rawSeconds: rawBuildMs / 1000,
        rawCpuSeconds: rawBuildCpuMs / 1000,
        vecdexSeconds: vxBuildMs / 1000,
        vecdexCpuSeconds: vxBuildCpuMs / 1000,
        ratio: vxBuildMs / rawBuildMs,
        vecdexIngestSeconds: ingestMs / 1000,
        vecdexIndexBytes: status.bytesOnDisk,
      };
      if (kept) fs.writeFileSync(kept.paramsFile, JSON.stringify(kept.params));
    }

    // ---- search -------------------------------------------------------------------------------
    // Each variant: set efSearch for the next queries, then answer query i with the ids found.
    let efSearch = 0;
    const setVxEf = (ef) => {
      efSearch = ef;
    };
    const ids = (hits) => hits.map((h) => Number(h.id));
    const variants = {
      raw: {
        setEf: (ef) => raw.setEf(ef),
        search: async (i) => raw.searchKnn(queryArrays[i], k).neighbors,
      },
      vecdex: {
        setEf: setVxEf,
        search: async (i) => ids(await coll.similar(queryVectors[i], { index: INDEX, k, params: { efSearch }, include: {} })),
      },
      'vecdex +metadata': {
        setEf: setVxEf,
        search: async (i) => ids(await coll.similar(queryVectors[i], { index: INDEX, k, params: { efSearch } })),
      },
    };
    rowsDb = new Database(path.join(tmp, 'vecdex.db'), { readonly: true });
    const cid = rowsDb.prepare('SELECT cid FROM vecdex_collections WHERE name = ?').pluck().get(COLLECTION);
    const selectRows = rowsDb
      .prepare('SELECT id, metadata FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))')
      .raw();
    variants['raw +rows'] = {
      setEf: (ef) => raw.setEf(ef),
      search: async (i) => {
        const { neighbors } = raw.searchKnn(queryArrays[i], k);
        const metadata = new Map();
        for (const [id, m] of selectRows.all(cid, JSON.stringify(neighbors.map(String)))) metadata.set(id, JSON.parse(m));
        return neighbors.filter((n) => metadata.has(String(n)));
      },
    };
    const names = Object.keys(variants);
    const search = {};
    for (const ef of opts.ef)
      search[ef] = Object.fromEntries(names.map((n) => [n, { qps: 0, cpuQps: 0, recall: null, recalls: [] }]));
    for (const ef of opts.ef) search[ef].sameIds = 1;
    // One unmeasured pass per variant, so JIT compilation and first-touch costs are not timed.
    for (const name of names) {
      variants[name].setEf(opts.ef[0]);
      for (let i = 0; i < Math.min(Q, 200); i++) await variants[name].search(i);
    }
    result.binding = (await vx.indexes.status(INDEX)).stats?.binding ?? 'unknown';
    log(`vecdex's hnswlib binding: ${result.binding}`);
    log(`search: ${Q} queries x efSearch ${opts.ef.join(', ')} x ${names.length} variants, interleaved, best of ${opts.repeats}`);
    for (let r = 0; r < opts.repeats; r++) {
      for (const ef of opts.ef) {
        for (const name of names) variants[name].setEf(ef);
        const measured = await timeInterleaved(variants, names, r, Q, truth, data, k);
        for (const name of names) {
          const m = measured[name];
          const cell = search[ef][name];
          cell.qps = Math.max(cell.qps, m.qps);
          cell.cpuQps = Math.max(cell.cpuQps, m.cpuQps);
          cell.recalls.push(m.recall);
          cell.recall = m.recall;
        }
        // Same graph, same query: the very same ids in the same order are expected.
        let same = 0;
        for (let i = 0; i < Q; i++) {
          const a = measured.raw.results[i];
          const b = measured.vecdex.results[i];
          if (a.length === b.length && a.every((x, j) => x === b[j])) same++;
        }
        search[ef].sameIds = Math.min(search[ef].sameIds, same / Q);
      }
      log(`  repeat ${r + 1}/${opts.repeats} done`);
    }
    result.search = opts.ef.map((ef) => {
      const c = search[ef];
      const stable = (cell) => cell.recalls.every((x) => x === cell.recalls[0]);
      return {
        efSearch: ef,
        raw: { qps: c.raw.qps, cpuQps: c.raw.cpuQps, recall: c.raw.recall },
        vecdex: { qps: c.vecdex.qps, cpuQps: c.vecdex.cpuQps, recall: c.vecdex.recall },
        vecdexMetadata: {
          qps: c['vecdex +metadata'].qps,
          cpuQps: c['vecdex +metadata'].cpuQps,
          recall: c['vecdex +metadata'].recall,
        },
        rawRows: { qps: c['raw +rows'].qps, cpuQps: c['raw +rows'].cpuQps, recall: c['raw +rows'].recall },
        ratio: c.vecdex.qps / c.raw.qps,
        metadataVsRawRows: c['vecdex +metadata'].qps / c['raw +rows'].qps,
        cpuRatio: c.vecdex.cpuQps / c.raw.cpuQps,
        metadataRatio: c['vecdex +metadata'].qps / c.raw.qps,
        recallEqual: c.vecdex.recall === c.raw.recall && c['vecdex +metadata'].recall === c.raw.recall,
        recallStable: names.every((n) => stable(c[n])),
        identicalResults: c.sameIds,
      };
    });

    // ---- per-query store round trips ---------------------------------------------------------
    const bareRows = (ids) => {
      const metadata = new Map();
      for (const [id, m] of selectRows.all(cid, JSON.stringify(ids))) metadata.set(id, JSON.parse(m));
      return metadata;
    };
    result.roundTrips = await measureRoundTrips(vx, coll, queryVectors, bareRows);

    // ---- sync ---------------------------------------------------------------------------------
    if (opts.sync && kept === null)
      result.sync = await measureSync({ vx, coll, raw, data, gt, N, Q, k, syncUpserts, syncDeletes });
  } finally {
    rowsDb?.close();
    if (vx !== undefined) await vx.close();
    if (opts.dir === null && !opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
  // With --json, the JSON goes to stdout and the table to stderr with the progress.
  if (opts.json) {
    log(`\n${report(result)}`);
    console.log(JSON.stringify(result, null, 2));
  } else console.log(report(result));
}

/**
 * The builds kept in `dir` (--dir): reused when an earlier run with the same sizes and graph
 * parameters finished them (its params.json), else `dir` is emptied for this run to fill.
 */
function keptBuilds(dir) {
  const params = { base: opts.base, M: opts.M, efConstruction: opts.efConstruction, seed: opts.seed };
  const paramsFile = path.join(dir, 'params.json');
  const rawFile = path.join(dir, 'raw.hnsw');
  let reuse = false;
  try {
    reuse = JSON.stringify(JSON.parse(fs.readFileSync(paramsFile, 'utf8'))) === JSON.stringify(params) && fs.existsSync(rawFile);
  } catch {
    reuse = false;
  }
  if (!reuse) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  }
  return { reuse, params, paramsFile, rawFile };
}

/** The first k ids and the k-th distance of the cached top-100 ground truth. */
function topK(gt, Q, k) {
  const kth = new Float64Array(Q);
  for (let q = 0; q < Q; q++) kth[q] = gt.dist[q * gt.k + k - 1];
  return { kth };
}

/** Mean recall@k of `search` over all queries (untimed). */
async function recallOver(search, Q, truth, data, k) {
  let recall = 0;
  for (let i = 0; i < Q; i++) recall += recallOf(await search(i), row(data.queries, i), truth.kth[i], data.base, k);
  return recall / Q;
}

/**
 * All queries through every variant, interleaved in chunks of CHUNK queries (the variants' order
 * rotating from chunk to chunk), so load from elsewhere on a shared machine hits all variants
 * alike. Time and process CPU time are summed per variant.
 */
async function timeInterleaved(variants, names, round, Q, truth, data, k) {
  const acc = Object.fromEntries(names.map((n) => [n, { ms: 0, cpu: 0, results: new Array(Q) }]));
  for (const name of names) for (let i = 0; i < Math.min(WARMUP, Q); i++) await variants[name].search(i);
  for (let start = 0, chunk = 0; start < Q; start += CHUNK, chunk++) {
    const end = Math.min(Q, start + CHUNK);
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + chunk + round) % names.length];
      const { search } = variants[name];
      const a = acc[name];
      const c0 = cpuMs();
      const t0 = now();
      for (let i = start; i < end; i++) a.results[i] = await search(i);
      a.ms += now() - t0;
      a.cpu += cpuMs() - c0;
    }
  }
  const out = {};
  for (const name of names) {
    const a = acc[name];
    let recall = 0;
    for (let i = 0; i < Q; i++) recall += recallOf(a.results[i], row(data.queries, i), truth.kth[i], data.base, k);
    out[name] = { qps: (Q * 1000) / a.ms, cpuQps: (Q * 1000) / Math.max(a.cpu, 1e-3), recall: recall / Q, results: a.results };
  }
  return out;
}

/** µs per call of what collection.similar does against the store besides the index search. */
async function measureRoundTrips(vx, coll, queryVectors, bareRows) {
  const b = vx.backend;
  const n = 5000;
  const state = await b.getIndexState(INDEX);
  const ids = Array.from({ length: 10 }, (_, i) => String(i * 97));
  const cases = {
    'getCollection (info)': () => b.getCollection(COLLECTION),
    getIndexDefinition: () => b.getIndexDefinition(INDEX),
    headCursor: () => b.headCursor(),
    ...(typeof b.changeToken === 'function' ? { 'changeToken (per query)': () => b.changeToken() } : {}),
    'countChanges (pending)': () => b.countChanges([COLLECTION], state.cursor),
    'get 10 ids, metadata (include)': () => b.get(COLLECTION, ids, { vectors: false, content: false }),
    'the same 10 rows, bare better-sqlite3 (raw +rows)': async () => bareRows(ids),
    'indexes.search (efSearch 10)': () => vx.indexes.search(INDEX, queryVectors[0], { k: 10, params: { efSearch: 10 } }),
    'similar (efSearch 10, include {})': () =>
      coll.similar(queryVectors[0], { index: INDEX, k: 10, params: { efSearch: 10 }, include: {} }),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 200; i++) await fn();
      const t0 = now();
      for (let i = 0; i < n; i++) await fn();
      best = Math.min(best, ((now() - t0) * 1000) / n);
    }
    out[name] = best;
  }
  return out;
}

async function measureSync({ vx, coll, raw, data, gt, N, Q, k, syncUpserts, syncDeletes }) {
  // Deterministic choice of changed ids (a small LCG), disjoint sets.
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const picked = new Set();
  const pick = () => {
    for (;;) {
      const i = Math.floor(rand() * N);
      if (!picked.has(i)) {
        picked.add(i);
        return i;
      }
    }
  };
  const upIds = Array.from({ length: syncUpserts }, pick);
  const delIds = Array.from({ length: syncDeletes }, pick);
  const fresh = loadTestVectors(Q, syncUpserts);

  // The floor of a sync: one change (an item re-upserted with its own vector), so the time is
  // reading the feed plus saving the whole index. The raw index gets the same update, untimed.
  const floorId = pick();
  await coll.upsert([{ id: String(floorId), vector: row(data.base, floorId), metadata: { label: data.baseLabels[floorId] } }]);
  const t0 = now();
  await vx.indexes.sync(INDEX);
  const floorMs = now() - t0;
  raw.addPoint(Array.from(row(data.base, floorId)), floorId);
  log(`sync: one change synced in ${secs(floorMs)} s (the floor: read the feed, save the index)`);
  log(`sync: ${syncUpserts} upserts with new vectors + ${syncDeletes} deletes ...`);

  // The base after the changes, for recall (deleted rows are never returned by either side).
  const base2 = data.base.slice();
  for (let j = 0; j < upIds.length; j++) base2.set(row(fresh, j), upIds[j] * DIMENSIONS);

  let t = now();
  for (let start = 0; start < upIds.length; start += opts.batch) {
    const items = [];
    for (let j = start; j < Math.min(upIds.length, start + opts.batch); j++) {
      items.push({ id: String(upIds[j]), vector: row(fresh, j), metadata: { label: -1 } });
    }
    await coll.upsert(items);
  }
  await coll.delete(delIds.map(String));
  const writeMs = now() - t;
  const before = await vx.indexes.status(INDEX);
  t = now();
  const synced = await vx.indexes.sync(INDEX);
  const syncMs = now() - t;
  const after = await vx.indexes.status(INDEX);
  log(`sync: vx.indexes.sync applied ${synced.applied} changes in ${secs(syncMs)} s (rebuilt: ${synced.rebuilt ?? 'no'})`);

  t = now();
  const scratch = new Array(DIMENSIONS).fill(0);
  for (let j = 0; j < upIds.length; j++) {
    const v = row(fresh, j);
    for (let d = 0; d < DIMENSIONS; d++) scratch[d] = v[d];
    raw.addPoint(scratch, upIds[j]);
  }
  for (const id of delIds) raw.markDelete(id);
  const rawMs = now() - t;
  log(`sync: raw hnswlib-node applied the same in ${secs(rawMs)} s`);

  // Exact ground truth after the changes: the old top-100 minus changed ids, plus the new vectors.
  const changed = new Set([...upIds, ...delIds]);
  const kth = new Float64Array(Q);
  let short = 0;
  for (let q = 0; q < Q; q++) {
    const cand = [];
    for (let j = 0; j < gt.k; j++) {
      const id = gt.ids[q * gt.k + j];
      if (!changed.has(id)) cand.push(gt.dist[q * gt.k + j]);
    }
    if (cand.length < k) short++;
    for (let j = 0; j < upIds.length; j++) cand.push(l2sq(data.queries, q * DIMENSIONS, fresh, j * DIMENSIONS, DIMENSIONS));
    cand.sort((a, b) => a - b);
    kth[q] = cand[k - 1];
  }
  if (short > 0)
    log(`sync: warning: ${short} queries lost more than ${gt.k - k} of their top ${gt.k}; recall after sync is approximate`);
  const data2 = { ...data, base: base2 };
  const recallAfter = [];
  const deleted = new Set(delIds);
  let deletedReturned = 0;
  const check = (list) => {
    for (const id of list) if (deleted.has(id)) deletedReturned++;
    return list;
  };
  const searchRaw = async (i) => check(raw.searchKnn(Array.from(row(data.queries, i)), k).neighbors);
  for (const ef of opts.ef) {
    raw.setEf(ef);
    const r = await recallOver(searchRaw, Q, { kth }, data2, k);
    const vxSearch = async (i) =>
      check(
        (await coll.similar(row(data.queries, i), { index: INDEX, k, params: { efSearch: ef }, include: {} })).map((h) =>
          Number(h.id),
        ),
      );
    const v = await recallOver(vxSearch, Q, { kth }, data2, k);
    recallAfter.push({ efSearch: ef, raw: r, vecdex: v });
  }
  return {
    upserts: syncUpserts,
    deletes: syncDeletes,
    writeSeconds: writeMs / 1000,
    pendingBefore: before.pendingChanges,
    pendingAfter: after.pendingChanges,
    applied: synced.applied,
    rebuilt: synced.rebuilt,
    vecdexSyncSeconds: syncMs / 1000,
    vecdexOneChangeSyncSeconds: floorMs / 1000,
    rawApplySeconds: rawMs / 1000,
    recallAfter,
    deletedReturned,
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function report(r) {
  const f0 = (x) => Math.round(x).toLocaleString('en-US');
  const f2 = (x) => x.toFixed(2);
  const f3 = (x) => x.toFixed(3);
  const lines = [];
  lines.push(
    `Fashion-MNIST (${r.base.toLocaleString('en-US')} x 784, l2), ${r.queries.toLocaleString('en-US')} queries, k ${r.k}, ` +
      `M ${r.params.M}, efConstruction ${r.params.efConstruction}, seed ${r.params.randomSeed}; ` +
      `best of ${r.repeats}; vecdex on ${r.binding === 'vecdex-native' ? "vecdex's native hnswlib build for this CPU" : r.binding}; ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}`,
  );
  lines.push('');
  if (r.build.reused !== undefined) {
    lines.push(`builds reused from ${r.build.reused} (--dir): both indexes loaded from their files; no sync run`);
  } else {
    lines.push('| build | seconds | vs raw |');
    lines.push('|---|---:|---:|');
    lines.push(`| raw hnswlib-node (addPoint × ${r.base}) | ${f2(r.build.rawSeconds)} | 1.00 |`);
    lines.push(
      `| vecdex \`indexes.build\` (read store, add, save ${(r.build.vecdexIndexBytes / 2 ** 20).toFixed(0)} MiB) | ${f2(r.build.vecdexSeconds)} | ${f2(r.build.ratio)} |`,
    );
    lines.push(`| (vecdex upsert of the ${r.base} items, batches of ${opts.batch}) | ${f2(r.build.vecdexIngestSeconds)} | |`);
  }
  lines.push('');
  lines.push(
    '| efSearch | recall@10 raw | recall@10 vecdex | same ids | raw QPS | vecdex QPS | vecdex/raw | vecdex +metadata QPS | +metadata/raw | raw +rows QPS | +metadata/(raw +rows) |',
  );
  lines.push('|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.search) {
    lines.push(
      `| ${s.efSearch} | ${f3(s.raw.recall)} | ${f3(s.vecdex.recall)} | ${s.recallEqual ? (s.identicalResults === 1 ? 'all' : `${(100 * s.identicalResults).toFixed(1)}%`) : '**recall differs**'} | ${f0(s.raw.qps)} | ${f0(s.vecdex.qps)} | ${f2(s.ratio)} | ${f0(s.vecdexMetadata.qps)} | ${f2(s.metadataRatio)} | ${f0(s.rawRows.qps)} | ${f2(s.metadataVsRawRows)} |`,
    );
  }
  const reach = r.search.find((s) => s.vecdex.recall >= 0.95);
  lines.push('');
  lines.push(
    `recall@10 ≥ 0.95: ${reach ? `reached at efSearch ${reach.efSearch} (${f3(reach.vecdex.recall)})` : '**not reached**'}; ` +
      `min vecdex/raw QPS ${f2(Math.min(...r.search.map((s) => s.ratio)))} (target ≥ 0.95)`,
  );
  lines.push('');
  lines.push('| per call (µs) | |');
  lines.push('|---|---:|');
  for (const [name, us] of Object.entries(r.roundTrips)) lines.push(`| ${name} | ${us.toFixed(1)} |`);
  if (r.sync) {
    const s = r.sync;
    lines.push('');
    lines.push(`| sync: ${s.upserts} upserts (new vectors) + ${s.deletes} deletes | seconds | % of vecdex build |`);
    lines.push('|---|---:|---:|');
    lines.push(
      `| vecdex \`indexes.sync\` (${s.applied} changes${s.rebuilt ? `, rebuilt: ${s.rebuilt}` : ''}; read feed, apply, save) | ${f2(s.vecdexSyncSeconds)} | ${((100 * s.vecdexSyncSeconds) / r.build.vecdexSeconds).toFixed(1)}% |`,
    );
    lines.push(
      `| vecdex \`indexes.sync\` of 1 change (the floor: mostly saving the index) | ${f2(s.vecdexOneChangeSyncSeconds)} | ${((100 * s.vecdexOneChangeSyncSeconds) / r.build.vecdexSeconds).toFixed(1)}% |`,
    );
    lines.push(
      `| raw hnswlib-node (addPoint in place + markDelete, in memory) | ${f2(s.rawApplySeconds)} | ${((100 * s.rawApplySeconds) / r.build.vecdexSeconds).toFixed(1)}% |`,
    );
    lines.push(`| (writing the changes through the collection API) | ${f2(s.writeSeconds)} | |`);
    lines.push('');
    if (s.deletedReturned > 0) lines.push(`**${s.deletedReturned} deleted ids were returned after the sync**`);
    lines.push(
      `recall@10 after the changes (raw / vecdex): ${s.recallAfter.map((x) => `ef ${x.efSearch}: ${f3(x.raw)} / ${f3(x.vecdex)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

function parseArgs(argv) {
  const o = {
    base: 60_000,
    queries: 1_000,
    ef: [10, 20, 40, 80, 120, 200, 400],
    repeats: 3,
    k: 10,
    M: 16,
    efConstruction: 200,
    seed: 100,
    batch: 1000,
    sync: true,
    keep: false,
    json: false,
    dir: null,
  };
  const int = (name, s, min = 1) => {
    const n = Number(String(s).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) usage(`${name} must be an integer ≥ ${min}, got ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--base') o.base = int(a, val());
    else if (a === '--queries') o.queries = int(a, val());
    else if (a === '--ef')
      o.ef = val()
        .split(',')
        .filter(Boolean)
        .map((s) => int(a, s));
    else if (a === '--repeats') o.repeats = int(a, val());
    else if (a === '--k') o.k = int(a, val());
    else if (a === '--M') o.M = int(a, val(), 2);
    else if (a === '--ef-construction') o.efConstruction = int(a, val());
    else if (a === '--seed') o.seed = int(a, val(), 0);
    else if (a === '--batch') o.batch = int(a, val());
    else if (a === '--no-sync') o.sync = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = true;
    else if (a === '--dir') o.dir = path.resolve(val());
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (o.base > 60_000) usage('--base is at most 60000 (the Fashion-MNIST train set)');
  if (o.queries > 10_000) usage('--queries is at most 10000 (the Fashion-MNIST test set)');
  if (o.k > GT_K) usage(`--k is at most ${GT_K}`);
  return o;
}

function usage(err) {
  const text =
    'usage: node bench/hnswlib-fashion-mnist.mjs [--base 60000] [--queries 1000] [--ef 10,20,40,80,120,200,400] ' +
    '[--repeats 3] [--k 10] [--M 16] [--ef-construction 200] [--seed 100] [--batch 1000] [--no-sync] [--keep] [--json] [--dir DIR]';
  if (err) {
    console.error(`${err}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

await main();
