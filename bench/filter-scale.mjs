#!/usr/bin/env node
// Filters at scale: what a filtered query costs at 1M items with and without declared
// filterable fields (`vx.collections.setFilterable`), per selectivity, on the default backend
// (sqlite-vec, exact search through its in-memory copy); and, with --index, the planner's three
// paths for the same filters through an index, which set EXACT_SUBSET_MAX_SCAN and
// OVERSAMPLE_MIN_SELECTIVITY in packages/core/src/api/plan-search.ts.
//
//   node bench/filter-scale.mjs [--count 1000000] [--dim 128] [--queries 50] [--k 10]
//                               [--index hnswlib|usearch] [--json]
//
// Data: seeded clustered vectors (bench/lib/clustered.mjs: 1,000 centres, each vector's centre
// drawn at random), l2; queries drawn from the same distribution and not stored. Metadata
// { g: i % 1000, h: i % 100, t: i % 10 }, independent of the vectors: { g: 7 } matches 0.1 %,
// { h: 7 } 1 %, { t: 7 } 10 %, and { g: { $lt: 10 } } 1 % as a range.
//
// Table 1, per filter, undeclared then declared: `collection.count(filter)`, the matching ids
// (`backend.matchingIds`, what the planner hands an index), and exact filtered search
// (`similar(q, { filter, exact: true })`: read the matching rowids, gather their vectors from the
// in-memory copy, scan them), mean ms, and that query's process CPU time (on a loaded machine the
// wall time is mostly waiting for a core; the CPU time is the work); recall@10 of the declared
// answers against the undeclared ones (the same exact search, so 1.0 unless something is wrong)
// and the fewest hits any query got.
// Table 2 (--index): per filter, exact over the subset, the index with the filter inside the search
// (matching ids cached, as the planner's FilterStats keeps them), and oversampling (k / s · 1.5
// unfiltered candidates, filtered afterwards), ms and recall@10 against exact; then what the
// planner chose (`collection.search`), its ms and recall.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { filterPredicate, openVecdex, parseFilter } from '@vecdex/core';
import { clustered } from './lib/clustered.mjs';
import { textTable } from './lib/text-table.mjs';

const args = parseArgs(process.argv.slice(2));
const log = args.json ? () => {} : (...a) => console.error(...a);
const now = () => performance.now();
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

const FILTERS = [
  { what: 'g = 7 (0.1 %)', filter: { g: 7 }, selectivity: 0.001 },
  { what: 'h = 7 (1 %)', filter: { h: 7 }, selectivity: 0.01 },
  { what: 'g < 10 (1 %, range)', filter: { g: { $lt: 10 } }, selectivity: 0.01 },
  { what: 't = 7 (10 %)', filter: { t: 7 }, selectivity: 0.1 },
];

const PLUGINS = {
  hnswlib: async () => ({ pkg: (await import('@vecdex/index-hnswlib')).default, params: { M: 16, efConstruction: 100 } }),
  usearch: async () => ({
    pkg: (await import('@vecdex/index-usearch')).default,
    params: { connectivity: 16, expansionAdd: 100 },
  }),
};

async function main() {
  const { count: N, dim, k } = args;
  log(`generating ${N} + ${args.queries} clustered vectors of ${dim} dimensions ...`);
  const all = clustered({ count: N + args.queries, dim, seed: 14 });
  const row = (i) => all.subarray(i * dim, (i + 1) * dim);
  const queries = Array.from({ length: args.queries }, (_, q) => row(N + q));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-filter-scale-'));
  const plugin = args.index ? await PLUGINS[args.index]() : null;
  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } },
      plugins: plugin ? [plugin.pkg] : [],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
  });
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loads = [load()];
  try {
    await vx.collections.create({ name: 'c', dimensions: dim, metric: 'l2' });
    const col = vx.collection('c');
    let t = now();
    for (let i = 0; i < N; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 5000); j++)
        batch.push({ id: String(j), vector: row(j), metadata: { g: j % 1000, h: j % 100, t: j % 10 } });
      await col.upsert(batch);
      if (!args.json && process.stderr.isTTY) process.stderr.write(`\r  ingest ${i + batch.length} / ${N}`);
    }
    const ingestS = (now() - t) / 1000;
    log(`\ningested in ${ingestS.toFixed(1)} s`);
    t = now();
    await col.similar(queries[0], { k, exact: true }); // builds the in-memory copy
    log(`first exact query (copy build) ${(now() - t).toFixed(0)} ms`);

    const measure = async (label) => {
      const out = [];
      for (const f of FILTERS) {
        const node = parseFilter(f.filter);
        const countMs = [];
        const idsMs = [];
        const exactMs = [];
        const exactCpuMs = [];
        const hits = [];
        let matching = 0;
        for (let r = 0; r < 3; r++) {
          let s = now();
          matching = await col.count(f.filter);
          countMs.push(now() - s);
          s = now();
          await vx.backend.matchingIds('c', node);
          idsMs.push(now() - s);
        }
        for (const q of queries) {
          const s = now();
          const cpu = process.cpuUsage();
          hits.push(await col.similar(q, { k, filter: f.filter, exact: true, include: {} }));
          exactMs.push(now() - s);
          const used = process.cpuUsage(cpu);
          exactCpuMs.push((used.user + used.system) / 1000);
        }
        out.push({
          label,
          what: f.what,
          matching,
          countMs: mean(countMs),
          idsMs: mean(idsMs),
          exactMs: mean(exactMs),
          exactCpuMs: mean(exactCpuMs),
          hits,
        });
        log(
          `  ${label} ${f.what}: count ${mean(countMs).toFixed(2)} ms, ids ${mean(idsMs).toFixed(2)} ms, exact ${mean(exactMs).toFixed(2)} ms (CPU ${mean(exactCpuMs).toFixed(2)} ms)`,
        );
      }
      return out;
    };
    const undeclared = await measure('undeclared');
    loads.push(load());
    t = now();
    await vx.collections.setFilterable('c', ['g', 'h', 't']);
    const declareS = (now() - t) / 1000;
    log(`setFilterable(['g', 'h', 't']) over ${N} items: ${declareS.toFixed(1)} s`);
    const declared = await measure('declared');
    loads.push(load());
    for (const [i, d] of declared.entries()) {
      const u = undeclared[i];
      d.recall = mean(d.hits.map((h, q) => recallAt(h, u.hits[q], k)));
      d.fewest = Math.min(...d.hits.map((h) => h.length));
      u.recall = 1;
      u.fewest = Math.min(...u.hits.map((h) => h.length));
    }

    const paths = [];
    let buildS = null;
    if (plugin) {
      log(`building ${args.index} over ${N} items ...`);
      t = now();
      await vx.indexes.create({ name: 'ix', plugin: args.index, collections: ['c'], params: plugin.params, default: true });
      await vx.indexes.build('ix');
      buildS = (now() - t) / 1000;
      log(`built in ${buildS.toFixed(1)} s`);
      for (const [fi, f] of FILTERS.entries()) {
        const node = parseFilter(f.filter);
        const match = filterPredicate(node);
        const ids = new Set(await vx.backend.matchingIds('c', node));
        const where = { collection: 'c', filter: node, exclude: [] };
        const r = {
          what: f.what,
          inside: [],
          insideRecall: [],
          over: [],
          overRecall: [],
          auto: [],
          autoRecall: [],
          plans: new Map(),
        };
        for (const [q, v] of queries.entries()) {
          const truth = declared[fi].hits[q];
          let s = now();
          const inside = await vx.indexes.search('ix', v, {
            k,
            allow: (key) => ids.has(key.id),
            where,
            selectivity: f.selectivity,
          });
          r.inside.push(now() - s);
          r.insideRecall.push(recallAt(inside.hits, truth, k));
          s = now();
          const wide = await vx.indexes.search('ix', v, { k: Math.min(10_000, Math.ceil((k / f.selectivity) * 1.5)) });
          const items = await col.getMany(
            wide.hits.map((h) => h.id),
            { vectors: false },
          );
          const kept = new Set(items.filter((it) => match(it.metadata)).map((it) => it.id));
          const over = wide.hits.filter((h) => kept.has(h.id)).slice(0, k);
          r.over.push(now() - s);
          r.overRecall.push(recallAt(over, truth, k));
          s = now();
          const { hits, plan } = await col.search(v, { k, filter: f.filter, include: {} });
          r.auto.push(now() - s);
          r.autoRecall.push(recallAt(hits, truth, k));
          r.plans.set(plan.strategy, (r.plans.get(plan.strategy) ?? 0) + 1);
        }
        r.exactMs = declared[fi].exactMs;
        paths.push(r);
        log(
          `  ${f.what}: exact ${r.exactMs.toFixed(2)} ms, inside ${mean(r.inside).toFixed(2)} ms, oversample ${mean(r.over).toFixed(2)} ms, planner ${mean(r.auto).toFixed(2)} ms`,
        );
      }
      loads.push(load());
    }
    report({ N, dim, k, ingestS, declareS, buildS, rows: [...undeclared, ...declared], paths, loads });
  } finally {
    await vx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report({ N, dim, k, ingestS, declareS, buildS, rows, paths, loads }) {
  if (args.json) {
    const clean = rows.map(({ hits, ...r }) => r);
    const p = paths.map((r) => ({ ...r, plans: Object.fromEntries(r.plans) }));
    console.log(
      JSON.stringify(
        { count: N, dim, k, queries: args.queries, ingestS, declareS, buildS, rows: clean, paths: p, loads },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `\nFiltered queries at ${N.toLocaleString('en')} × ${dim} (clustered, l2), k = ${k}, ${args.queries} queries; sqlite-vec; load average ${loads.join(' → ')}`,
  );
  console.log(
    `ingest ${ingestS.toFixed(1)} s; setFilterable(['g', 'h', 't']) ${declareS.toFixed(1)} s${buildS === null ? '' : `; ${args.index} build ${buildS.toFixed(1)} s`}\n`,
  );
  console.log(
    textTable(
      ['fields', 'filter', 'matching', 'count ms', 'ids ms', 'exact ms', 'exact CPU ms', `recall@${k}`, 'fewest hits'],
      rows.map((r) => [
        r.label,
        r.what,
        String(r.matching),
        r.countMs.toFixed(2),
        r.idsMs.toFixed(2),
        r.exactMs.toFixed(2),
        r.exactCpuMs.toFixed(2),
        r.recall.toFixed(4),
        String(r.fewest),
      ]),
    ),
  );
  if (paths.length > 0) {
    console.log(
      `\nThe planner's paths through ${args.index} (declared fields; ids cached as the planner caches them); recall against exact\n`,
    );
    console.log(
      textTable(
        ['filter', 'exact-subset ms', 'in-search ms', 'recall', 'oversample ms', 'recall', 'planner', 'ms', 'recall'],
        paths.map((r) => [
          r.what,
          r.exactMs.toFixed(2),
          mean(r.inside).toFixed(2),
          mean(r.insideRecall).toFixed(4),
          mean(r.over).toFixed(2),
          mean(r.overRecall).toFixed(4),
          [...r.plans].map(([s, n]) => (r.plans.size === 1 ? s : `${s} ×${n}`)).join(', '),
          mean(r.auto).toFixed(2),
          mean(r.autoRecall).toFixed(4),
        ]),
      ),
    );
  }
}

/** Tie-aware recall@k: a hit counts when its distance is within the k-th true distance. */
function recallAt(hits, truth, k) {
  const want = Math.min(k, truth.length);
  if (want === 0) return 1;
  const kth = truth[want - 1].distance;
  return hits.slice(0, want).filter((h) => h.distance <= kth * (1 + 1e-6) + 1e-9).length / want;
}

function parseArgs(argv) {
  const o = { count: 1_000_000, dim: 128, queries: 50, k: 10, index: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--count') o.count = Number(next());
    else if (a === '--dim') o.dim = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--k') o.k = Number(next());
    else if (a === '--index') o.index = next();
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.index !== null && !['hnswlib', 'usearch'].includes(o.index)) throw new Error('--index: hnswlib or usearch');
  return o;
}

await main();
