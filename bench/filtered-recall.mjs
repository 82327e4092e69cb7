#!/usr/bin/env node
// Filtered search on real data: recall@k against exact filtered search, and latency, at several
// selectivities, for each index plugin; plus the crossover between "exact search over the matching
// subset" and "index search with the filter inside", which sets EXACT_SUBSET_THRESHOLD in
// packages/core/src/api/plan-search.ts.
//
//   node bench/filtered-recall.mjs [--base 60000] [--queries 100] [--k 10] [--plugins hnswlib,faiss]
//                                  [--selectivity 0.001,0.01,0.1,0.5] [--crossover 250,500,1000,2000,4000,8000]
//                                  [--json]
//
// Data: Fashion-MNIST (60,000 × 784 train vectors as the base, t10k as queries, l2). Each item gets
// metadata { label, r } where r is a seeded random permutation of 0..N-1, so the filter
// { r: { $lt: m } } matches exactly m items, independent of the vectors; a second filter,
// { label: L } (10 %, strongly correlated with the vectors), is the hard case for oversampling:
// a query of another class has few matching neighbours.
//
// Table 1 (per plugin × filter): what `collection.similar(q, { filter, k })` does through the
// default index (the planner's choice, shown), its recall@k against exact filtered search
// (`exact: true`, the ground truth; tie-aware), and mean / p95 latency beside the exact search's.
// Table 2 (crossover): for m matching items, exact search over them vs the index path the planner
// would otherwise take (count + collect matching ids + index search with the in-search filter),
// timed with the same public calls the planner makes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { filterPredicate, openVecdex, parseFilter } from '@vecdex/core';
import { DIMENSIONS, ensureFashionMnist, loadFashionMnist, row } from './lib/fashion-mnist.mjs';

const args = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);
const now = () => performance.now();

const PLUGINS = {
  hnswlib: async () => ({ pkg: (await import('@vecdex/index-hnswlib')).default, params: { M: 16, efConstruction: 200 } }),
  faiss: async () => ({ pkg: (await import('@vecdex/sidecar-faiss')).default, params: {} }),
  // pgvector-hnsw is native to the pgvector backend: it needs a server, not run here.
};

async function main() {
  ensureFashionMnist(undefined, log);
  const data = loadFashionMnist({ base: args.base, queries: args.queries });
  const N = data.baseCount;
  const perm = permutation(N, 12345);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-filtered-'));
  const results = [];
  const crossover = [];
  try {
    for (const name of args.plugins) {
      let plugin;
      try {
        plugin = await PLUGINS[name]();
      } catch (err) {
        log(`skipping plugin ${name}: ${err.message}`);
        continue;
      }
      const vx = await openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, `${name}.db`) } },
          plugins: [plugin.pkg],
          dataDir: path.join(dir, name),
        },
        cwd: dir,
        env: {},
      });
      try {
        await vx.collections.create({ name: 'fm', dimensions: DIMENSIONS, metric: 'l2' });
        const col = vx.collection('fm');
        log(`${name}: loading ${N} vectors ...`);
        for (let i = 0; i < N; i += 2000) {
          const batch = [];
          for (let j = i; j < Math.min(N, i + 2000); j++)
            batch.push({ id: String(j), vector: row(data.base, j), metadata: { label: data.baseLabels[j], r: perm[j] } });
          await col.upsert(batch);
        }
        log(`${name}: building the index ...`);
        const t0 = now();
        await vx.indexes.create({ name: 'ix', plugin: name, collections: ['fm'], params: plugin.params, default: true });
        await vx.indexes.build('ix');
        log(`${name}: built in ${((now() - t0) / 1000).toFixed(1)} s`);
        const filters = [
          ...args.selectivity.map((s) => ({
            what: `r < ${Math.round(s * N)} (${pct(s)})`,
            filter: { r: { $lt: Math.round(s * N) } },
          })),
          { what: 'label = query+1 (10 %, correlated)', filter: null, correlated: true },
        ];
        for (const f of filters) {
          const recall = [];
          const auto = [];
          const exactMs = [];
          const plans = new Map();
          for (let q = 0; q < data.queryCount; q++) {
            const v = row(data.queries, q);
            const filter = f.correlated ? { label: (nearestLabel(data, v) + 1) % 10 } : f.filter;
            let t = now();
            const truth = await col.similar(v, { k: args.k, filter, exact: true, include: {} });
            exactMs.push(now() - t);
            t = now();
            const { hits, plan } = await col.search(v, { k: args.k, filter, include: {} });
            auto.push(now() - t);
            plans.set(plan.strategy, (plans.get(plan.strategy) ?? 0) + 1);
            recall.push(recallAt(hits, truth, args.k));
          }
          const r = {
            plugin: name,
            filter: f.what,
            plan: [...plans].map(([s, n]) => (plans.size === 1 ? s : `${s} ×${n}`)).join(', '),
            recall: mean(recall),
            minRecall: Math.min(...recall),
            ms: mean(auto),
            p95: p95(auto),
            exactMs: mean(exactMs),
          };
          results.push(r);
          log(`  ${r.filter}: ${r.plan} recall ${r.recall.toFixed(4)} ${r.ms.toFixed(2)} ms (exact ${r.exactMs.toFixed(2)} ms)`);
        }
        if (name === args.plugins[0]) {
          for (const m of args.crossover) {
            const filter = { r: { $lt: m } };
            const node = parseFilter(filter);
            const where = { collection: 'fm', filter: node, exclude: [] };
            const ex = [];
            const cold = [];
            const warm = [];
            const recall = [];
            const qn = Math.min(data.queryCount, 50);
            const collect = async () => {
              const ids = new Set();
              for await (const batch of col.scan({ batchSize: 5000, vectors: false, filter }))
                for (const it of batch) ids.add(it.id);
              return ids;
            };
            const cached = await collect();
            for (let q = 0; q < qn; q++) {
              const v = row(data.queries, q);
              let t = now();
              const truth = await col.similar(v, { k: args.k, filter, exact: true, include: {} });
              ex.push(now() - t);
              // The planner's index path cold (count, collect matching ids, search inside) ...
              t = now();
              await col.count(filter);
              const ids = await collect();
              await vx.indexes.search('ix', v, { k: args.k, allow: (key) => ids.has(key.id), where });
              cold.push(now() - t);
              // ... and warm (count and ids cached while the store is unchanged).
              t = now();
              const { hits } = await vx.indexes.search('ix', v, { k: args.k, allow: (key) => cached.has(key.id), where });
              warm.push(now() - t);
              recall.push(recallAt(hits, truth, args.k));
            }
            crossover.push({
              matching: m,
              exactMs: mean(ex),
              indexMs: mean(cold),
              warmMs: mean(warm),
              indexRecall: mean(recall),
            });
            log(
              `  crossover m=${m}: exact ${mean(ex).toFixed(2)} ms, index cold ${mean(cold).toFixed(2)} ms, warm ${mean(warm).toFixed(2)} ms, recall ${mean(recall).toFixed(4)}`,
            );
          }
          // Oversampling vs collecting ids, at broad selectivities (the planner's OVERSAMPLE_MIN_SELECTIVITY).
          for (const s of [0.05, 0.1, 0.25, 0.5]) {
            const m = Math.round(s * N);
            const filter = { r: { $lt: m } };
            const match = filterPredicate(parseFilter(filter));
            const over = [];
            const qn = Math.min(data.queryCount, 50);
            let ok = 0;
            for (let q = 0; q < qn; q++) {
              const v = row(data.queries, q);
              const t = now();
              await col.count(filter);
              const { hits } = await vx.indexes.search('ix', v, { k: Math.ceil((args.k / s) * 1.5) });
              const items = await col.getMany(
                hits.map((h) => h.id),
                { vectors: false },
              );
              if (items.filter((it) => match(it.metadata)).length >= args.k) ok++;
              over.push(now() - t);
            }
            const row_ = crossover.find((c) => c.matching === m);
            crossover.push({ matching: m, oversampleMs: mean(over), oversampleEnough: ok / qn, ...(row_ ? {} : {}) });
            log(`  oversample s=${s}: ${mean(over).toFixed(2)} ms, enough in ${ok}/${qn}`);
          }
        }
      } finally {
        await vx.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (args.json) {
    console.log(JSON.stringify({ base: N, queries: data.queryCount, k: args.k, results, crossover }, null, 2));
    return;
  }
  console.log(
    `\nFiltered search, Fashion-MNIST ${N} × ${DIMENSIONS} (l2), ${data.queryCount} queries, k = ${args.k}; recall against exact filtered search\n`,
  );
  printTable(
    ['plugin', 'filter', 'plan (planner)', `recall@${args.k}`, 'min', 'ms mean', 'ms p95', 'exact ms'],
    results.map((r) => [
      r.plugin,
      r.filter,
      r.plan,
      r.recall.toFixed(4),
      r.minRecall.toFixed(2),
      r.ms.toFixed(2),
      r.p95.toFixed(2),
      r.exactMs.toFixed(2),
    ]),
  );
  console.log(
    `\nCrossover: exact search over m matching items vs the index path with the filter inside the search (cold: count + collect ids + search; warm: ids cached), ${args.plugins[0]}\n`,
  );
  printTable(
    ['matching', 'exact-subset ms', 'index cold ms', 'index warm ms', 'index recall', 'oversample ms', 'oversample had k'],
    crossover.map((c) => [
      String(c.matching),
      c.exactMs?.toFixed(2) ?? '-',
      c.indexMs?.toFixed(2) ?? '-',
      c.warmMs?.toFixed(2) ?? '-',
      c.indexRecall?.toFixed(4) ?? '-',
      c.oversampleMs?.toFixed(2) ?? '-',
      c.oversampleEnough === undefined ? '-' : pct(c.oversampleEnough),
    ]),
  );
}

/** Tie-aware recall@k: a hit counts when its distance is within the k-th true distance. */
function recallAt(hits, truth, k) {
  const want = Math.min(k, truth.length);
  if (want === 0) return 1;
  const kth = truth[want - 1].distance;
  const found = hits.slice(0, want).filter((h) => h.distance <= kth * (1 + 1e-6) + 1e-9).length;
  return found / want;
}

/** The label of the query's nearest base vector (over a sample), to pick a *different* label as the filter. */
function nearestLabel(data, v) {
  let best = Number.POSITIVE_INFINITY;
  let label = 0;
  for (let j = 0; j < data.baseCount; j += 20) {
    const b = row(data.base, j);
    let d = 0;
    for (let i = 0; i < DIMENSIONS; i++) d += (v[i] - b[i]) ** 2;
    if (d < best) {
      best = d;
      label = data.baseLabels[j];
    }
  }
  return label;
}

function permutation(n, seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const p95 = (a) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * 0.95))] ?? 0;
const pct = (s) => `${+(s * 100).toPrecision(3)} %`;

function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function parseArgs(argv) {
  const o = {
    base: 60_000,
    queries: 100,
    k: 10,
    plugins: ['hnswlib', 'faiss'],
    selectivity: [0.001, 0.01, 0.1, 0.5],
    crossover: [60, 250, 600, 1000, 2000, 4000, 8000],
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--base') o.base = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--k') o.k = Number(next());
    else if (a === '--plugins') o.plugins = next().split(',');
    else if (a === '--selectivity') o.selectivity = next().split(',').map(Number);
    else if (a === '--crossover') o.crossover = next().split(',').map(Number);
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

await main();
