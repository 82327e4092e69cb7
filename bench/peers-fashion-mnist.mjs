#!/usr/bin/env node
// vecdex beside the libraries a user would otherwise pick, on real data: Fashion-MNIST
// (ann-benchmarks' fashion-mnist-784-euclidean: 60,000 train vectors as the base, t10k as queries,
// 784-d float32 from uint8 pixels, l2), all in one process, one after the other.
//
//   node bench/peers-fashion-mnist.mjs [--base 60000] [--queries 1000] [--scan-queries 100]
//        [--ef 10,20,40,80,160,320] [--k 10] [--M 16] [--ef-construction 200] [--repeats 2]
//        [--only vecdex,hnswlib-node,sqlite-vec,lancedb,vectra] [--markdown] [--json]
//
//   --base N   a subset of the 60,000 (e.g. --base 10000 --queries 200 runs in well under a minute)
//
// Systems (each installed as a devDependency of bench/; one that fails to load or crashes is
// reported and skipped):
//   vecdex hnswlib            openVecdex() on the sqlite-vec backend + the hnswlib plugin:
//                             collection.upsert in batches of 1,000, vx.indexes.build, then
//                             collection.similar(Float32Array, { index, params: { efSearch },
//                             stale: 'error', include: {} })
//   vecdex exact              the same store, collection.similar(..., { exact: true })
//   raw hnswlib-node          HierarchicalNSW addPoint / searchKnn (queries pre-converted; and a
//                             second row copying each Float32Array query into a number[], as vecdex does)
//   raw sqlite-vec            better-sqlite3 + a vec0 table, KNN `MATCH ? AND k = ?`
//   LanceDB IVF_HNSW_SQ       @lancedb/lancedb: table.add in batches of 5,000, createIndex
//                             hnswSq (same M, efConstruction, 1 partition), query .ef(ef)
//   LanceDB flat              the same table with bypassVectorIndex() (exact scan)
//   vectra                    LocalIndex upsertItem in one update; brute force by cosine (its only
//                             measure), so its recall against l2 truth is below 1
//
// Ground truth: exact brute force in JS (cached in os.tmpdir()). Recall@k is tie-aware. Brute-force
// systems ("scan") answer the first --scan-queries queries, index systems all --queries. QPS is one
// query at a time, the best of --repeats passes, with every system and parameter taking turns
// every 50 queries (so load from elsewhere hits all alike); ingest = loading the vectors into the system,
// build = building its index afterwards (raw hnswlib-node builds while adding: all in "build").
// The summary compares each system's best QPS at a recall target with vecdex hnswlib's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFashionMnist, groundTruth, loadFashionMnist } from './lib/fashion-mnist.mjs';
import { measureInterleaved } from './lib/peers/measure-peer.mjs';
import { markdownTable, qpsText, textTable } from './lib/text-table.mjs';

const PEERS = ['vecdex', 'hnswlib-node', 'sqlite-vec', 'lancedb', 'vectra'];
const MODULES = {
  vecdex: './lib/peers/vecdex-peer.mjs',
  'hnswlib-node': './lib/peers/hnswlib-peer.mjs',
  'sqlite-vec': './lib/peers/sqlitevec-peer.mjs',
  lancedb: './lib/peers/lancedb-peer.mjs',
  vectra: './lib/peers/vectra-peer.mjs',
};
const TARGETS = [0.9, 0.95, 0.99];
const REFERENCE = 'vecdex hnswlib';

const log = (...a) => console.error(...a);
const opts = options();

async function main() {
  ensureFashionMnist(undefined, log);
  const data = loadFashionMnist({ base: opts.base, queries: opts.queries });
  log(`Fashion-MNIST: ${opts.base} base x ${opts.queries} queries, 784-d l2, k=${opts.k}`);
  const gt = await groundTruth(data, { k: Math.max(100, opts.k), log }); // k=100: the cache hnswlib-fashion-mnist.mjs shares
  const kth = new Float64Array(opts.queries);
  for (let q = 0; q < opts.queries; q++) kth[q] = gt.dist[q * gt.k + opts.k - 1];
  const truth = { kth };

  // Load and build every system first (one at a time, timed), then measure them all together.
  const results = [];
  const failures = [];
  const handles = [];
  const dirs = [];
  for (const peer of opts.only) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vecdex-peers-${peer}-`));
    dirs.push(dir);
    try {
      log(`${peer}: loading and building ...`);
      const mod = await import(MODULES[peer]);
      const handle = await mod.setup({ data, dir, opts });
      handles.push(handle);
      for (const s of handle.systems) results.push({ peer, version: handle.version, ...s, runs: [] });
    } catch (err) {
      failures.push({ peer, error: firstLine(err) });
      log(`${peer}: skipped (${firstLine(err)})`);
    }
  }
  try {
    const tasks = [];
    for (const r of results) {
      const n = r.kind === 'scan' ? Math.min(opts.scanQueries, opts.queries) : opts.queries;
      for (const value of r.values) tasks.push({ result: r, value, n, search: r.search(value) });
    }
    log(`measuring ${tasks.length} system/parameter pairs, taking turns every 50 queries (${opts.repeats} passes) ...`);
    const measured = await measureInterleaved(tasks, {
      k: opts.k,
      repeats: opts.repeats,
      data,
      truth,
      onChunk: (pass, from, maxN) => from % 250 === 0 && log(`  pass ${pass + 1}/${opts.repeats}: ${from}/${maxN} queries`),
    });
    for (const [i, m] of measured.entries()) {
      const { result, value } = tasks[i];
      if (m.error) {
        failures.push({ peer: `${result.name}${result.param ? ` ${result.param}=${value}` : ''}`, error: firstLine(m.error) });
        continue;
      }
      result.runs.push({ value, ...m });
    }
  } finally {
    for (const h of handles) await h.close().catch(() => {});
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
  for (const r of results) delete r.search;
  report(results, failures);
}

function firstLine(err) {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function report(results, failures) {
  results = results.filter((r) => r.runs.length > 0);
  const ref = results.find((r) => r.name === REFERENCE);
  const refIngest = ref ? ref.ingestSeconds + ref.buildSeconds : null;
  const mb = (b) => (b === null || b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)}`);
  const s = (x) => (x === 0 ? '-' : x.toFixed(1));
  const bestAt = (r, target) => {
    const ok = r.runs.filter((x) => x.recall >= target);
    return ok.length === 0 ? null : ok.reduce((a, b) => (b.qps > a.qps ? b : a));
  };
  const systemsHeaders = ['system', 'version', 'ingest s', 'build s', 'total vs vecdex', 'MiB'];
  const systemsRows = results.map((r) => [
    r.name,
    r.version,
    s(r.ingestSeconds),
    s(r.buildSeconds),
    refIngest ? `${((r.ingestSeconds + r.buildSeconds) / refIngest).toFixed(2)}x` : '-',
    mb(r.bytes),
  ]);
  const sweepHeaders = ['system', 'param', `recall@${opts.k}`, 'QPS', 'p50 ms', 'p95 ms', 'queries'];
  const sweepRows = results.flatMap((r) =>
    r.runs.map((x, i) => [
      i === 0 ? r.name : '',
      r.param ? `${r.param}=${x.value}` : '-',
      x.recall.toFixed(3),
      qpsText(x.qps),
      x.p50Ms.toFixed(3),
      x.p95Ms.toFixed(3),
      String(x.queries),
    ]),
  );
  const summaryHeaders = ['system', ...TARGETS.map((t) => `QPS @ recall ≥ ${t}`), 'vs vecdex hnswlib'];
  const summaryRows = results.map((r) => {
    const cells = TARGETS.map((t) => {
      const b = bestAt(r, t);
      return b ? `${qpsText(b.qps)}${r.param ? ` (${r.param} ${b.value})` : ''}` : '–';
    });
    const ratios = TARGETS.map((t) => {
      const a = bestAt(r, t);
      const b = ref ? bestAt(ref, t) : null;
      return a && b ? `${(a.qps / b.qps).toFixed(2)}x` : '–';
    });
    return [r.name, ...cells, ratios.join(' / ')];
  });
  const table = opts.markdown ? markdownTable : textTable;
  const out = [
    `Fashion-MNIST ${opts.base.toLocaleString('en-US')} x 784 (l2), ${opts.queries} queries (${Math.min(opts.scanQueries, opts.queries)} for brute-force systems), k=${opts.k}, M=${opts.M}, efConstruction=${opts.efConstruction}`,
    `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    table(systemsHeaders, systemsRows),
    '',
    table(summaryHeaders, summaryRows),
    '',
    table(sweepHeaders, sweepRows),
  ];
  for (const f of failures) out.push('', `not measured: ${f.peer} (${f.error})`);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ opts, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, results, failures }, null, 2)}\n`,
    );
    log(out.join('\n'));
  } else {
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

function options() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string', default: '60000' },
      queries: { type: 'string', default: '1000' },
      'scan-queries': { type: 'string', default: '100' },
      ef: { type: 'string', default: '10,20,40,80,160,320' },
      k: { type: 'string', default: '10' },
      M: { type: 'string', default: '16' },
      'ef-construction': { type: 'string', default: '200' },
      repeats: { type: 'string', default: '2' },
      only: { type: 'string', default: PEERS.join(',') },
      markdown: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) {
      log(`--${name} must be a positive integer, got ${values[name]}`);
      process.exit(2);
    }
    return n;
  };
  const only = values.only.split(',').filter(Boolean);
  for (const p of only) {
    if (!PEERS.includes(p)) {
      log(`--only: unknown system ${p}; choose from ${PEERS.join(', ')}`);
      process.exit(2);
    }
  }
  return {
    base: int('base'),
    queries: int('queries'),
    scanQueries: int('scan-queries'),
    ef: values.ef.split(',').map(Number),
    k: int('k'),
    M: int('M'),
    efConstruction: int('ef-construction'),
    repeats: int('repeats'),
    only,
    markdown: values.markdown,
    json: values.json,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
