#!/usr/bin/env node
// Filters at scale: what a filtered query costs at 1M items with and without declared
// filterable fields (`vx.collections.setFilterable`), per selectivity, on the default backend
// (sqlite-vec, exact search through its in-memory copy); and, with --index, the planner's three
// paths for the same filters through an index, which set EXACT_SUBSET_MAX_SCAN and
// OVERSAMPLE_MIN_SELECTIVITY in packages/core/src/api/plan-search.ts.
//
//   node bench/filter-scale.mjs [--count 1000000] [--dim 128] [--queries 50] [--k 10]
//                               [--index hnswlib|usearch|faiss] [--cold] [--skip-undeclared]
//                               [--skip-warm] [--selectivities 0.001,0.01,0.1] [--dir DIR] [--json]
//
// --dir DIR keeps the store and the index there and reuses them in a later run with the same
// --count and --dim (ingest, setFilterable and the build are skipped; a reused store is already
// declared, so table 1 then has no undeclared rows). Without it everything lives in a temporary
// directory removed at the end.
//
// Data: seeded clustered vectors (bench/lib/clustered.mjs: 1,000 centres, each vector's centre
// drawn at random), l2; queries drawn from the same distribution and not stored. Metadata
// { g: i % 1000, h: i % 100, t: i % 10, r: a seeded permutation of 0..count-1 }, independent of
// the vectors: { g: 7 } matches 0.1 %, { h: 7 } 1 %, { t: 7 } 10 %, { g: { $lt: 10 } } 1 % as a
// range, and { r: { $gte: a, $lt: a + m } } exactly m items scattered over the whole collection.
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
// Table 3 (--index and --cold): the same paths when no filter repeats, so nothing a previous
// query cached (the planner's counts and id sets, the backend's gathered subsets) helps: at each
// --selectivities value s, every timed call, each path and query, gets a filter of its own,
// { r: { $gte: a, $lt: a + s · count } } with a fresh a. Each path's ms is the whole of what the
// planner pays on that path: the count, then exact search over the subset (`similar(..., { exact:
// true })`); or the matching ids (`backend.matchingIds`) into a Set and the index with the filter
// inside; or the oversample (k / s · 1.5 unfiltered candidates, at most 10,000, filtered by their
// metadata). Recall@10 is against exact search with the same filter (run after the timed call,
// untimed), and fewest hits is the smallest result any query got (the raw paths may come back
// short; the planner must not).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { filterPredicate, openVecdex, parseFilter } from '@vecdex/core';
import { clustered, rng } from './lib/clustered.mjs';
import { textTable } from './lib/text-table.mjs';

const now = () => performance.now();
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const SEED = 14;
/** What a store in --dir was made with; another --count or --dim (or an older layout) starts again. */
const LAYOUT = 2;

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
  faiss: async () => ({
    pkg: (await import('@vecdex/sidecar-faiss')).default,
    params: { factory: 'HNSW16', efConstruction: 100 },
  }),
};

const args = parseArgs(process.argv.slice(2));
const log = args.json ? () => {} : (...a) => console.error(...a);

/** A seeded permutation of 0..n-1: metadata `r`, so a range of r matches exactly that many items, scattered. */
function permutation(n) {
  const r = rng(SEED * 7 + 1);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

async function main() {
  const { count: N, dim, k } = args;
  const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-filter-scale-'));
  fs.mkdirSync(dir, { recursive: true });
  const metaFile = path.join(dir, 'filter-scale.json');
  const stored = fs.existsSync(metaFile) ? JSON.parse(fs.readFileSync(metaFile, 'utf8')) : null;
  const reuse = stored !== null && stored.count === N && stored.dim === dim && stored.layout === LAYOUT;
  if (!reuse) {
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
  log(`${reuse ? 'reusing the store in' : 'new store in'} ${dir}; generating ${reuse ? 0 : N} + ${args.queries} vectors ...`);
  const base = reuse ? null : clustered({ count: N, dim, seed: SEED });
  const queryRows = clustered({ count: args.queries, dim, seed: SEED, from: N });
  const queries = Array.from({ length: args.queries }, (_, q) => queryRows.subarray(q * dim, (q + 1) * dim));
  const plugin = args.index ? await PLUGINS[args.index]() : null;
  const ixName = args.index ? `ix-${args.index}` : null;
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
  const meta = reuse ? stored : { layout: LAYOUT, count: N, dim, indexes: {} };
  const saveMeta = () => fs.writeFileSync(metaFile, JSON.stringify(meta));
  try {
    let ingestS = meta.ingestS ?? null;
    let declareS = meta.declareS ?? null;
    const col = vx.collection('c');
    let t = now();
    if (!reuse) {
      await vx.collections.create({ name: 'c', dimensions: dim, metric: 'l2' });
      const perm = permutation(N);
      for (let i = 0; i < N; i += 5000) {
        const batch = [];
        for (let j = i; j < Math.min(N, i + 5000); j++)
          batch.push({
            id: String(j),
            vector: base.subarray(j * dim, (j + 1) * dim),
            metadata: { g: j % 1000, h: j % 100, t: j % 10, r: perm[j] },
          });
        await col.upsert(batch);
        if (!args.json && process.stderr.isTTY) process.stderr.write(`\r  ingest ${i + batch.length} / ${N}`);
      }
      ingestS = (now() - t) / 1000;
      log(`\ningested in ${ingestS.toFixed(1)} s`);
    }
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
    const undeclared = reuse || args.skipUndeclared ? [] : await measure('undeclared');
    loads.push(load());
    if (!reuse) {
      t = now();
      await vx.collections.setFilterable('c', ['g', 'h', 't', 'r']);
      declareS = (now() - t) / 1000;
      log(`setFilterable(['g', 'h', 't', 'r']) over ${N} items: ${declareS.toFixed(1)} s`);
      Object.assign(meta, { ingestS, declareS });
      saveMeta();
    }
    const declared = await measure('declared');
    loads.push(load());
    for (const [i, d] of declared.entries()) {
      const u = undeclared[i];
      // Without the undeclared run, exact search on declared fields is the truth (table 1's
      // earlier runs found them equal at every size).
      d.recall = u ? mean(d.hits.map((h, q) => recallAt(h, u.hits[q], k))) : 1;
      d.fewest = Math.min(...d.hits.map((h) => h.length));
      if (u) {
        u.recall = 1;
        u.fewest = Math.min(...u.hits.map((h) => h.length));
      }
    }

    const paths = [];
    const cold = [];
    let buildS = meta.indexes[args.index]?.buildS ?? null;
    if (plugin) {
      const known = (await vx.indexes.list()).some((d) => d.name === ixName);
      const status = known ? await vx.indexes.status(ixName) : null;
      if (status?.built === true && status.items === N) {
        t = now();
        await vx.indexes.sync(ixName);
        log(`reusing ${ixName} (built in ${buildS?.toFixed(1)} s); loaded in ${((now() - t) / 1000).toFixed(1)} s`);
      } else {
        log(`building ${args.index} over ${N} items ...`);
        t = now();
        if (!known) await vx.indexes.create({ name: ixName, plugin: args.index, collections: ['c'], params: plugin.params });
        await vx.indexes.build(ixName);
        buildS = (now() - t) / 1000;
        log(`built in ${buildS.toFixed(1)} s`);
        meta.indexes[args.index] = { buildS };
        saveMeta();
      }
      const search = (v, filter) => col.search(v, { k, filter, include: {}, index: ixName });
      const inIndex = (v, node, ids, selectivity) =>
        vx.indexes.search(ixName, v, {
          k,
          allow: (key) => ids.has(key.id),
          where: { collection: 'c', filter: node, exclude: [] },
          selectivity,
        });
      const oversampled = async (v, match, selectivity) => {
        const wide = await vx.indexes.search(ixName, v, { k: Math.min(10_000, Math.ceil((k / selectivity) * 1.5)) });
        const items = await col.getMany(
          wide.hits.map((h) => h.id),
          { vectors: false },
        );
        const kept = new Set(items.filter((it) => match(it.metadata)).map((it) => it.id));
        return wide.hits.filter((h) => kept.has(h.id)).slice(0, k);
      };
      if (!args.skipWarm) {
        for (const [fi, f] of FILTERS.entries()) {
          const node = parseFilter(f.filter);
          const match = filterPredicate(node);
          const ids = new Set(await vx.backend.matchingIds('c', node));
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
            const inside = await inIndex(v, node, ids, f.selectivity);
            r.inside.push(now() - s);
            r.insideRecall.push(recallAt(inside.hits, truth, k));
            s = now();
            const over = await oversampled(v, match, f.selectivity);
            r.over.push(now() - s);
            r.overRecall.push(recallAt(over, truth, k));
            s = now();
            const { hits, plan } = await search(v, f.filter);
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
      if (args.cold) {
        // Every timed call gets a range of r no call has used: a fresh start a, stepping by a
        // prime so that the ranges differ (they overlap; the caches are keyed by the filter).
        let fresh = 0;
        for (const s of args.selectivities) {
          const m = Math.max(1, Math.round(N * s));
          const nextFilter = () => {
            fresh++;
            const a = (fresh * 7919) % (N - m + 1);
            return { r: { $gte: a, $lt: a + m } };
          };
          const p = { selectivity: s, matching: m, plans: new Map() };
          for (const name of ['exact', 'inside', 'over', 'auto']) p[name] = { ms: [], cpu: [], recall: [], fewest: Infinity };
          const record = async (name, v, filter, ms, cpu, hits) => {
            const truth = name === 'exact' ? hits : await col.similar(v, { k, filter, exact: true, include: {} });
            const e = p[name];
            e.ms.push(ms);
            e.cpu.push(cpu);
            e.recall.push(recallAt(hits, truth, k));
            e.fewest = Math.min(e.fewest, hits.length);
          };
          const timed = async (fn) => {
            const s0 = now();
            const c0 = process.cpuUsage();
            const out = await fn();
            const used = process.cpuUsage(c0);
            return { out, ms: now() - s0, cpu: (used.user + used.system) / 1000 };
          };
          for (const v of queries) {
            let f = nextFilter();
            let r = await timed(async () => {
              await col.count(f);
              return col.similar(v, { k, filter: f, exact: true, include: {} });
            });
            await record('exact', v, f, r.ms, r.cpu, r.out);
            f = nextFilter();
            const node = parseFilter(f);
            r = await timed(async () => {
              const n = await col.count(f);
              const ids = new Set(await vx.backend.matchingIds('c', node));
              return (await inIndex(v, node, ids, n / N)).hits;
            });
            await record('inside', v, f, r.ms, r.cpu, r.out);
            f = nextFilter();
            const match = filterPredicate(parseFilter(f));
            r = await timed(async () => oversampled(v, match, (await col.count(f)) / N));
            await record('over', v, f, r.ms, r.cpu, r.out);
            f = nextFilter();
            r = await timed(() => search(v, f));
            await record('auto', v, f, r.ms, r.cpu, r.out.hits);
            p.plans.set(r.out.plan.strategy, (p.plans.get(r.out.plan.strategy) ?? 0) + 1);
          }
          cold.push(p);
          log(
            `  cold ${s * 100} %: exact-subset ${mean(p.exact.ms).toFixed(2)} ms, inside ${mean(p.inside.ms).toFixed(2)} ms (recall ${mean(p.inside.recall).toFixed(3)}), oversample ${mean(p.over.ms).toFixed(2)} ms (recall ${mean(p.over.recall).toFixed(3)}), planner ${mean(p.auto.ms).toFixed(2)} ms`,
          );
        }
        loads.push(load());
      }
    }
    report({ N, dim, k, ingestS, declareS, buildS, reuse, rows: [...undeclared, ...declared], paths, cold, loads });
  } finally {
    await vx.close();
    if (args.dir === null) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report({ N, dim, k, ingestS, declareS, buildS, reuse, rows, paths, cold, loads }) {
  if (args.json) {
    const clean = rows.map(({ hits, ...r }) => r);
    const p = paths.map((r) => ({ ...r, plans: Object.fromEntries(r.plans) }));
    const c = cold.map((r) => ({ ...r, plans: Object.fromEntries(r.plans) }));
    console.log(
      JSON.stringify(
        { count: N, dim, k, queries: args.queries, ingestS, declareS, buildS, reuse, rows: clean, paths: p, cold: c, loads },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `\nFiltered queries at ${N.toLocaleString('en')} × ${dim} (clustered, l2), k = ${k}, ${args.queries} queries; sqlite-vec; load average ${loads.join(' → ')}`,
  );
  const s = (x) => (x === null ? '?' : `${x.toFixed(1)} s`);
  console.log(
    `${reuse ? 'store and index reused from --dir; when made: ' : ''}ingest ${s(ingestS)}; setFilterable(['g', 'h', 't', 'r']) ${s(declareS)}${args.index === null ? '' : `; ${args.index} build ${s(buildS)}`}\n`,
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
  const plans = (m) => [...m].map(([st, n]) => (m.size === 1 ? st : `${st} ×${n}`)).join(', ');
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
          plans(r.plans),
          mean(r.auto).toFixed(2),
          mean(r.autoRecall).toFixed(4),
        ]),
      ),
    );
  }
  if (cold.length > 0) {
    console.log(
      `\nCold (a filter no earlier query used, { r: [a, a + m) } scattered): each path's ms (CPU ms), recall@${k} against exact, fewest hits\n`,
    );
    const cell = (e) => [`${mean(e.ms).toFixed(2)} (${mean(e.cpu).toFixed(2)})`, mean(e.recall).toFixed(4), String(e.fewest)];
    console.log(
      textTable(
        [
          'matching',
          'exact-subset ms',
          'recall',
          'fewest',
          'in-search ms',
          'recall',
          'fewest',
          'oversample ms',
          'recall',
          'fewest',
          'planner',
          'ms',
          'recall',
          'fewest',
        ],
        cold.map((p) => [
          `${p.matching} (${(p.selectivity * 100).toPrecision(2)} %)`,
          ...cell(p.exact),
          ...cell(p.inside),
          ...cell(p.over),
          plans(p.plans),
          ...cell(p.auto),
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
  const o = {
    count: 1_000_000,
    dim: 128,
    queries: 50,
    k: 10,
    index: null,
    json: false,
    cold: false,
    skipUndeclared: false,
    skipWarm: false,
    selectivities: [0.001, 0.01, 0.1],
    dir: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--count') o.count = Number(next());
    else if (a === '--dim') o.dim = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--k') o.k = Number(next());
    else if (a === '--index') o.index = next();
    else if (a === '--json') o.json = true;
    else if (a === '--cold') o.cold = true;
    else if (a === '--skip-undeclared') o.skipUndeclared = true;
    else if (a === '--skip-warm') o.skipWarm = true;
    else if (a === '--selectivities') o.selectivities = next().split(',').map(Number);
    else if (a === '--dir') o.dir = path.resolve(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.index !== null && !Object.hasOwn(PLUGINS, o.index)) throw new Error('--index: hnswlib, usearch or faiss');
  if (o.cold && o.index === null) throw new Error('--cold compares the paths through an index: give --index');
  if (o.selectivities.some((s) => !(s > 0 && s < 1)))
    throw new Error('--selectivities: fractions between 0 and 1, e.g. 0.001,0.01,0.1');
  return o;
}

await main();
