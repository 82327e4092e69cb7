#!/usr/bin/env node
// vecdex's usearch plugin against raw hnswlib-node and raw usearch, in one process on the same
// vectors: build time, recall@k and QPS per efSearch one query at a time, and the batch search
// (vx.indexes.searchMany on every core) against the same queries one at a time.
//
//   node bench/usearch-vs-hnswlib.mjs [--data fashion-mnist | --data synthetic] [--base N] [--dims 128]
//        [--queries 1000] [--ef 10,20,40,80,120,200] [--repeats 3] [--k 10] [--M 16]
//        [--ef-construction 200] [--expansion-add 128] [--threads 0] [--search-workers 1] [--no-vecdex-hnswlib] [--usearch-f16] [--json]
//
// Data: Fashion-MNIST (60,000 × 784, l2, the t10k set as queries; bench/lib/fashion-mnist.mjs,
// installed with apt-get when missing) or seeded clustered synthetic data (--data synthetic:
// --base vectors around 1,000 gaussian centres, queries drawn the same way). Ground truth by
// exact search (usearch's SIMD exactSearch on every core: exact, float32).
//
//   raw hnswlib-node   HierarchicalNSW('l2'), initIndex(N, M, efConstruction, seed), addPoint per
//                      vector (one core: the binding has no batch add), searchKnn(number[]) with
//                      queries converted once, setEf per efSearch.
//   raw usearch        Index(l2sq, f32, connectivity M, expansion_add), add(all keys, all vectors,
//                      threads), search(query, max(k, ef), 1) keeping k (as the plugin does).
//   vecdex usearch     sqlite-vec store + @vecdex/index-usearch: upsert, vx.indexes.build, then
//                      collection.similar(q, { index, k, params: { efSearch }, include: {} }).
//   vecdex hnswlib     the same with @vecdex/index-hnswlib (--no-vecdex-hnswlib skips its build);
//                      its searchMany uses --search-workers worker threads (each a copy of the file).
//   vecdex usearch f16 (--usearch-f16) the usearch index again with precision 'float16', rescore
//                      false: usearch stores and compares float16 (half the bytes per distance).
//
// QPS: per efSearch every variant answers all queries, interleaved in chunks of 50 with the
// order rotating, best of --repeats. Batch: vx.indexes.searchMany over all queries (one call)
// against the same queries through vx.indexes.search one at a time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import hnswlib from 'hnswlib-node';
import usearch from 'usearch';
import { DIMENSIONS as FMNIST_DIMS, ensureFashionMnist, loadFashionMnist } from './lib/fashion-mnist.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHUNK = 50;
const log = (...a) => console.error(...a);
const now = () => performance.now();
/** Process CPU time (all threads) in ms: under load from other processes it still counts only this one's work. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Wall and CPU time of `f`; cores = CPU / wall says how many cores it kept busy. */
async function timed(f) {
  const t0 = now();
  const c0 = cpuMs();
  await f();
  const wall = now() - t0;
  return { seconds: wall / 1000, cores: (cpuMs() - c0) / wall };
}
const secs = (ms) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const opts = parseArgs(process.argv.slice(2));

function synthetic(n, q, dims, seed = 14) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = new Float32Array(1000 * dims).map(() => gauss());
  const draw = (count) => {
    const out = new Float32Array(count * dims);
    for (let i = 0; i < count; i++) {
      const c = Math.floor(rand() * 1000) * dims;
      for (let d = 0; d < dims; d++) out[i * dims + d] = centres[c + d] + 0.3 * gauss();
    }
    return out;
  };
  return { base: draw(n), queries: draw(q), dims };
}

async function main() {
  const { k, queries: Q } = opts;
  let data;
  if (opts.data === 'fashion-mnist') {
    ensureFashionMnist(undefined, log);
    const d = loadFashionMnist({ base: opts.base ?? 60_000, queries: Q });
    data = { base: d.base, queries: d.queries, dims: FMNIST_DIMS, name: 'fashion-mnist-784-euclidean' };
  } else {
    data = { ...synthetic(opts.base ?? 1_000_000, Q, opts.dims), name: `synthetic clustered ${opts.dims}-d` };
  }
  const dims = data.dims;
  const N = data.base.length / dims;
  log(`${data.name}: ${N} base, ${Q} queries, ${dims}-d`);
  let t = now();
  const exact = usearch.exactSearch(data.base, data.queries, dims, k, usearch.MetricKind.L2sq, 0);
  const truth = Array.from({ length: Q }, (_, i) => new Set(Array.from(exact.get(i).keys, Number)));
  const kth = Array.from({ length: Q }, (_, i) => exact.get(i).distances[k - 1]);
  log(`ground truth: exactSearch in ${secs(now() - t)} s`);
  const recallOf = (ids, q) => {
    let hit = 0;
    for (const id of ids) {
      if (truth[q].has(id)) hit++;
      else {
        // tie-aware: a hit as close as the k-th true neighbour counts
        let s = 0;
        for (let d = 0; d < dims; d++) {
          const x = data.queries[q * dims + d] - data.base[id * dims + d];
          s += x * x;
        }
        if (s <= kth[q] * (1 + 1e-6)) hit++;
      }
    }
    return hit / k;
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-usearch-'));
  const result = { dataset: data.name, base: N, queries: Q, dims, k, params: { ...opts }, machine: machine(), build: {} };
  const vecRow = (i) => data.base.subarray(i * dims, (i + 1) * dims);
  const qv = Array.from({ length: Q }, (_, i) => data.queries.slice(i * dims, (i + 1) * dims));
  let vx;
  try {
    // ---- builds ---------------------------------------------------------------------------------
    log(`raw hnswlib-node: building (M ${opts.M}, efConstruction ${opts.efConstruction}, one core) ...`);
    const raw = new hnswlib.HierarchicalNSW('l2', dims);
    const b1 = await timed(() => {
      raw.initIndex(N, opts.M, opts.efConstruction, 100, false);
      const scratch = new Array(dims).fill(0);
      for (let i = 0; i < N; i++) {
        const v = vecRow(i);
        for (let j = 0; j < dims; j++) scratch[j] = v[j];
        raw.addPoint(scratch, i);
      }
    });
    result.build.rawHnswlib = b1.seconds;
    result.cores = { rawHnswlib: b1.cores };
    log(`raw hnswlib-node: ${b1.seconds.toFixed(1)} s, ${b1.cores.toFixed(2)} cores busy`);

    log(
      `raw usearch: building (connectivity ${opts.M}, expansion_add ${opts.expansionAdd}, threads ${opts.threads || 'all'}) ...`,
    );
    const ru = new usearch.Index({
      dimensions: dims,
      metric: usearch.MetricKind.L2sq,
      quantization: usearch.ScalarKind.F32,
      connectivity: opts.M,
      expansion_add: opts.expansionAdd,
      expansion_search: 1,
      multi: false,
    });
    const b2 = await timed(() =>
      ru.add(
        BigUint64Array.from({ length: N }, (_, i) => BigInt(i)),
        data.base,
        opts.threads,
      ),
    );
    result.build.rawUsearch = b2.seconds;
    result.cores.rawUsearch = b2.cores;
    log(`raw usearch: ${b2.seconds.toFixed(1)} s, ${b2.cores.toFixed(2)} cores busy`);

    vx = await openVecdex({
      config: {
        backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(tmp, 'vecdex.db') } },
        plugins: ['@vecdex/index-usearch', '@vecdex/index-hnswlib'],
        dataDir: path.join(tmp, 'data'),
      },
      cwd: tmp,
      env: {},
      resolvePaths: [HERE],
    });
    await vx.collections.create({ name: 'v', dimensions: dims, metric: 'l2' });
    const coll = vx.collection('v');
    t = now();
    for (let s = 0; s < N; s += 5000) {
      const items = [];
      for (let i = s; i < Math.min(N, s + 5000); i++) items.push({ id: String(i), vector: vecRow(i) });
      await coll.upsert(items);
    }
    result.build.vecdexIngest = (now() - t) / 1000;
    log(`vecdex: upserted in ${secs(now() - t)} s`);
    await vx.indexes.create({
      name: 'us',
      plugin: 'usearch',
      collections: ['v'],
      params: { connectivity: opts.M, expansionAdd: opts.expansionAdd, threads: opts.threads },
    });
    const b3 = await timed(() => vx.indexes.build('us'));
    result.build.vecdexUsearch = b3.seconds;
    result.cores.vecdexUsearch = b3.cores;
    log(
      `vecdex usearch: built in ${b3.seconds.toFixed(1)} s (store read + add on every core + save), ${b3.cores.toFixed(2)} cores busy`,
    );
    if (opts.usearchF16) {
      // float16 storage in usearch's graph, distances from the float16 copy (no rescoring): half
      // the memory traffic per distance. Fashion-MNIST's pixels (integers 0–255) are exact in
      // float16; on other data the distances are approximate (recall is measured all the same).
      await vx.indexes.create({
        name: 'us16',
        plugin: 'usearch',
        collections: ['v'],
        params: { connectivity: opts.M, expansionAdd: opts.expansionAdd, threads: opts.threads },
        precision: 'float16',
        rescore: false,
      });
      const b5 = await timed(() => vx.indexes.build('us16'));
      result.build.vecdexUsearchF16 = b5.seconds;
      result.cores.vecdexUsearchF16 = b5.cores;
      log(`vecdex usearch f16: built in ${b5.seconds.toFixed(1)} s, ${b5.cores.toFixed(2)} cores busy`);
    }
    if (opts.vecdexHnswlib) {
      await vx.indexes.create({
        name: 'hn',
        plugin: 'hnswlib',
        collections: ['v'],
        params: { M: opts.M, efConstruction: opts.efConstruction, randomSeed: 100, searchWorkers: opts.searchWorkers },
      });
      const b4 = await timed(() => vx.indexes.build('hn'));
      result.build.vecdexHnswlib = b4.seconds;
      result.cores.vecdexHnswlib = b4.cores;
      log(`vecdex hnswlib: built in ${b4.seconds.toFixed(1)} s, ${b4.cores.toFixed(2)} cores busy`);
    }

    // ---- one query at a time ------------------------------------------------------------------
    const qa = qv.map((v) => Array.from(v));
    let ef = 0;
    const ids = (hits) => hits.map((h) => Number(h.id));
    const variants = {
      'raw hnswlib-node': (i) => raw.searchKnn(qa[i], k).neighbors,
      'raw usearch': (i) => Array.from(ru.search(qv[i], Math.max(k, ef), 1).keys.subarray(0, k), Number),
      'vecdex usearch': async (i) => ids(await coll.similar(qv[i], { index: 'us', k, params: { efSearch: ef }, include: {} })),
    };
    if (opts.usearchF16)
      variants['vecdex usearch f16'] = async (i) =>
        ids(await coll.similar(qv[i], { index: 'us16', k, params: { efSearch: ef }, include: {} }));
    if (opts.vecdexHnswlib)
      variants['vecdex hnswlib'] = async (i) =>
        ids(await coll.similar(qv[i], { index: 'hn', k, params: { efSearch: ef }, include: {} }));
    const names = Object.keys(variants);
    result.search = [];
    for (const e of opts.ef) {
      ef = e;
      raw.setEf(e);
      const cells = Object.fromEntries(names.map((n) => [n, { qps: 0, cpuUs: Number.POSITIVE_INFINITY, recall: 0 }]));
      for (const n of names) for (let i = 0; i < Math.min(Q, 50); i++) await variants[n](i);
      for (let r = 0; r < opts.repeats; r++) {
        const acc = Object.fromEntries(names.map((n) => [n, { ms: 0, cpu: 0, recall: 0 }]));
        for (let start = 0, chunk = 0; start < Q; start += CHUNK, chunk++) {
          for (let j = 0; j < names.length; j++) {
            const n = names[(j + chunk + r) % names.length];
            const f = variants[n];
            const out = new Array(Math.min(Q, start + CHUNK) - start);
            const t0 = now();
            const c0 = cpuMs();
            for (let i = start; i < start + out.length; i++) out[i - start] = await f(i);
            acc[n].ms += now() - t0;
            acc[n].cpu += cpuMs() - c0;
            for (let i = 0; i < out.length; i++) acc[n].recall += recallOf(out[i], start + i);
          }
        }
        for (const n of names) {
          cells[n].qps = Math.max(cells[n].qps, (Q * 1000) / acc[n].ms);
          cells[n].cpuUs = Math.min(cells[n].cpuUs, (acc[n].cpu * 1000) / Q);
          cells[n].recall = acc[n].recall / Q;
        }
      }
      result.search.push({ efSearch: e, ...cells });
      log(
        `  efSearch ${e}: ${names.map((n) => `${n} ${cells[n].qps.toFixed(0)} qps @ ${cells[n].recall.toFixed(3)}`).join(', ')}`,
      );
    }

    // ---- batch search -------------------------------------------------------------------------
    result.batch = [];
    for (const e of opts.batchEf) {
      const one = async (index) => {
        const t0 = now();
        for (let i = 0; i < Q; i++) await vx.indexes.search(index, qv[i], { k, params: { efSearch: e } });
        return (Q * 1000) / (now() - t0);
      };
      let manyCores = 0;
      const many = async (index) => {
        const m = await timed(() => vx.indexes.searchMany(index, qv, { k, params: { efSearch: e } }));
        manyCores = m.cores;
        return Q / m.seconds;
      };
      const batchIndexes = ['us', ...(opts.usearchF16 ? ['us16'] : []), ...(opts.vecdexHnswlib ? ['hn'] : [])];
      const labelOf = { us: 'vecdex usearch', us16: 'vecdex usearch f16', hn: 'vecdex hnswlib' };
      for (const index of batchIndexes) {
        await one(index);
        await many(index);
        // hnswlib's search workers read the saved file on first use: wait until they take part.
        for (let i = 0; i < 100 && index === 'hn' && opts.searchWorkers > 0; i++) {
          const st = await vx.indexes.status(index);
          if ((st.stats?.searchWorkersReady ?? 0) >= opts.searchWorkers) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        let a = 0;
        let b = 0;
        for (let r = 0; r < opts.repeats; r++) {
          a = Math.max(a, await one(index));
          b = Math.max(b, await many(index));
        }
        result.batch.push({
          index: labelOf[index],
          efSearch: e,
          oneAtATime: a,
          searchMany: b,
          cores: manyCores,
        });
        log(
          `  batch ${index} ef ${e}: one at a time ${a.toFixed(0)} qps, searchMany ${b.toFixed(0)} qps (${(b / a).toFixed(2)}×)`,
        );
      }
    }
  } finally {
    if (vx !== undefined) await vx.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  result.machine.loadavgAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
  // With --json, the JSON goes to stdout and the table to stderr with the progress.
  if (opts.json) {
    log(`\n${report(result)}`);
    console.log(JSON.stringify(result, null, 2));
  } else console.log(report(result));
}

function report(r) {
  const f0 = (x) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
  const f2 = (x) => (x === undefined ? '-' : x.toFixed(2));
  const lines = [];
  lines.push(
    `${r.dataset}: ${r.base} × ${r.dims}, ${r.queries} queries, k ${r.k}, M/connectivity ${r.params.M}, hnswlib efConstruction ${r.params.efConstruction}, usearch expansion_add ${r.params.expansionAdd}; ` +
      `${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')} → ${r.machine.loadavgAfter.join(' ')}`,
  );
  lines.push('');
  lines.push('| build | seconds | vs raw hnswlib-node | cores busy (CPU / wall) |');
  lines.push('|---|---:|---:|---:|');
  const b = r.build;
  const c = r.cores;
  const buildRow = (label, x, cores) => `| ${label} | ${f2(x)} | ${f2(x / b.rawHnswlib)} | ${f2(cores)} |`;
  lines.push(buildRow('raw hnswlib-node (one core)', b.rawHnswlib, c.rawHnswlib));
  lines.push(buildRow('raw usearch (every core)', b.rawUsearch, c.rawUsearch));
  lines.push(buildRow('vecdex usearch `indexes.build` (read store, add, save)', b.vecdexUsearch, c.vecdexUsearch));
  if (b.vecdexUsearchF16 !== undefined)
    lines.push(buildRow('vecdex usearch float16 `indexes.build`', b.vecdexUsearchF16, c.vecdexUsearchF16));
  if (b.vecdexHnswlib !== undefined) lines.push(buildRow('vecdex hnswlib `indexes.build`', b.vecdexHnswlib, c.vecdexHnswlib));
  lines.push(`| (vecdex upsert into the store) | ${f2(b.vecdexIngest)} | |`);
  lines.push('');
  const names = Object.keys(r.search[0]).filter((n) => n !== 'efSearch');
  lines.push(
    `| efSearch | ${names.map((n) => `${n} recall / QPS / CPU µs`).join(' | ')} | vecdex usearch / raw hnswlib-node QPS (CPU) |`,
  );
  lines.push(`|---:|${names.map(() => '---:').join('|')}|---:|`);
  for (const s of r.search) {
    const us = s['vecdex usearch'];
    const hn = s['raw hnswlib-node'];
    lines.push(
      `| ${s.efSearch} | ${names.map((n) => `${s[n].recall.toFixed(3)} / ${f0(s[n].qps)} / ${f0(s[n].cpuUs)}`).join(' | ')} | ${f2(us.qps / hn.qps)} (${f2(hn.cpuUs / us.cpuUs)}) |`,
    );
  }
  const at = (name) => {
    const best = r.search.filter((s) => s[name].recall >= 0.95).map((s) => s[name].qps);
    return best.length === 0 ? undefined : Math.max(...best);
  };
  lines.push('');
  lines.push(`best QPS at recall ≥ 0.95: ${names.map((n) => `${n} ${f0(at(n))}`).join(', ')}`);
  if (r.batch.length > 0) {
    lines.push('');
    lines.push('| batch of all queries | efSearch | one at a time QPS | searchMany QPS | ratio | searchMany cores busy |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const x of r.batch)
      lines.push(
        `| ${x.index} | ${x.efSearch} | ${f0(x.oneAtATime)} | ${f0(x.searchMany)} | ${f2(x.searchMany / x.oneAtATime)} | ${f2(x.cores)} |`,
      );
  }
  return lines.join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function parseArgs(argv) {
  const o = {
    data: 'fashion-mnist',
    base: undefined,
    dims: 128,
    queries: 1000,
    ef: [10, 20, 40, 80, 120, 200],
    batchEf: [40],
    repeats: 3,
    k: 10,
    M: 16,
    efConstruction: 200,
    expansionAdd: 128,
    threads: 0,
    searchWorkers: 1,
    vecdexHnswlib: true,
    usearchF16: false,
    json: false,
  };
  const int = (s) => {
    const n = Number(String(s).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--data') o.data = val();
    else if (a === '--base') o.base = int(val());
    else if (a === '--dims') o.dims = int(val());
    else if (a === '--queries') o.queries = int(val());
    else if (a === '--ef') o.ef = val().split(',').map(int);
    else if (a === '--batch-ef') o.batchEf = val().split(',').map(int);
    else if (a === '--repeats') o.repeats = int(val());
    else if (a === '--k') o.k = int(val());
    else if (a === '--M') o.M = int(val());
    else if (a === '--ef-construction') o.efConstruction = int(val());
    else if (a === '--expansion-add') o.expansionAdd = int(val());
    else if (a === '--threads') o.threads = int(val());
    else if (a === '--search-workers') o.searchWorkers = int(val());
    else if (a === '--no-vecdex-hnswlib') o.vecdexHnswlib = false;
    else if (a === '--usearch-f16') o.usearchF16 = true;
    else if (a === '--json') o.json = true;
    else {
      console.error(`unknown argument ${a}; see the header of bench/usearch-vs-hnswlib.mjs`);
      process.exit(2);
    }
  }
  if (o.data !== 'fashion-mnist' && o.data !== 'synthetic') throw new Error('--data is fashion-mnist or synthetic');
  return o;
}

await main();
