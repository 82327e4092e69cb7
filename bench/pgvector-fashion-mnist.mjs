#!/usr/bin/env node
// vecdex on PostgreSQL + pgvector against the same work written by hand with node-postgres, on
// real data: Fashion-MNIST (ann-benchmarks' fashion-mnist-784-euclidean: 60,000 train vectors as
// the base, the t10k set as queries, 784-d float32 from uint8 pixels, l2).
//
//   node bench/pgvector-fashion-mnist.mjs [--base 60000] [--queries 1000] [--exact-queries 100]
//        [--insert-rows 10000] [--batch 1000] [--ef 10,20,40,80,160] [--probes 1,2,4,8,16]
//        [--m 16] [--ef-construction 64] [--lists 0 (auto)] [--repeats 2] [--k 10]
//        [--no-ivfflat] [--json]
//
// One process, one PostgreSQL server, the same vectors and parameters for both sides:
//
//   ingest   raw: `COPY items (id, embedding, metadata) FROM STDIN` (pg-copy-streams), one COPY
//            per batch of --batch rows; and row by row, one parameterised INSERT per row, a
//            transaction per batch (--insert-rows rows).
//            vecdex: collection.upsert(batch) with the backend's `insertPath: 'copy'` (default:
//            COPY into a staging table, then one INSERT ... ON CONFLICT, plus the change feed) and
//            with `insertPath: 'insert'` (one INSERT per item), same batches.
//   exact    raw: `SELECT id FROM items ORDER BY embedding <-> $1 LIMIT k` (no index yet: a
//            sequential scan); vecdex: collection.similar(q, { exact: true, include: {} }).
//   HNSW     raw: `CREATE INDEX ... USING hnsw (embedding vector_l2_ops) WITH (m, ef_construction)`
//            with the same maintenance_work_mem as vecdex's default (1 GB); vecdex:
//            vx.indexes.create({ plugin: 'pgvector-hnsw' }) + build. Then per ef_search, raw runs
//            `SET hnsw.ef_search` once on its connection and one parameterised SELECT per query
//            (the hand-written best case); vecdex runs collection.similar(q, { params: { efSearch },
//            include: {} }) (SET LOCAL in a transaction per query, plus core's per-query checks).
//   IVFFlat  the same with `lists` (rows / 1000 unless --lists) and ivfflat.probes.
//
// Each side has its own table (raw: id text, embedding vector(784), metadata jsonb; vecdex: its
// backend's schema), so the two HNSW graphs are built separately and their recall can differ a
// little. Recall@k is tie-aware against exact ground truth (brute force in JS, cached in
// os.tmpdir()). QPS: all queries per variant, interleaved in chunks of 50 (order rotating) after
// a warm-up, best of --repeats. Needs a PostgreSQL with pgvector 0.8: VECDEX_TEST_PG_URL, or one
// is started (and stopped afterwards) with scripts/setup-postgres.sh.
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import { createPgVectorBackend } from '@vecdex/backend-pgvector';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DIMENSIONS, ensureFashionMnist, groundTruth, loadFashionMnist, recallOf, row } from './lib/fashion-mnist.mjs';
import { startServerIfNeeded } from './lib/pg-server.mjs';

const CHUNK = 50;
const WARMUP = 20;
const COLLECTION = 'fmnist';
const opts = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);
const now = () => performance.now();
const secs = (ms) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const literal = (v) => `[${Array.prototype.join.call(v, ',')}]`;

async function main() {
  const server = startServerIfNeeded(log);
  try {
    await run(server.url);
  } finally {
    server.stop();
  }
}

async function run(url) {
  ensureFashionMnist(undefined, log);
  const { base: N, queries: Q, k } = opts;
  const data = loadFashionMnist({ base: N, queries: Q });
  const gt = await groundTruth(data, { k: 100, log });
  const kth = Float64Array.from({ length: Q }, (_, q) => gt.dist[q * gt.k + k - 1]);
  const queries = Array.from({ length: Q }, (_, i) => row(data.queries, i).slice());
  const recallOfIds = (ids, i) => recallOf(ids, queries[i], kth[i], data.base, k);

  const tag = `${process.pid}`;
  const rawSchema = `bench_raw_${tag}`;
  const vxSchema = `bench_vx_${tag}`;
  const vxInsSchema = `bench_vxins_${tag}`;
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  const server = (
    await raw.query(
      `SELECT current_setting('server_version') AS v, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgv`,
    )
  ).rows[0];
  const result = {
    dataset: 'fashion-mnist-784-euclidean',
    base: N,
    queries: Q,
    k,
    params: { m: opts.m, efConstruction: opts.efConstruction },
    repeats: opts.repeats,
    postgres: server.v,
    pgvector: server.pgv,
    machine: machine(),
  };
  const vxOpen = (schema, insertPath) =>
    createPgVectorBackend({ connectionString: url, schema, insertPath }).then((backend) =>
      openVecdex({
        config: { backend: { use: 'pgvector' }, plugins: [], dataDir: path.join(os.tmpdir(), `vecdex-bench-pg-${tag}`) },
        backend,
        env: {},
      }),
    );
  let vx;
  let vxIns;
  try {
    // ---- ingest -------------------------------------------------------------------------------
    await raw.query(`CREATE SCHEMA ${rawSchema}`);
    await raw.query(
      `CREATE TABLE ${rawSchema}.items (id text PRIMARY KEY, embedding vector(${DIMENSIONS}) NOT NULL, metadata jsonb)`,
    );
    await raw.query(
      `CREATE TABLE ${rawSchema}.items_ins (id text PRIMARY KEY, embedding vector(${DIMENSIONS}) NOT NULL, metadata jsonb)`,
    );
    vx = await vxOpen(vxSchema, 'copy');
    vxIns = await vxOpen(vxInsSchema, 'insert');
    for (const v of [vx, vxIns]) await v.collections.create({ name: COLLECTION, dimensions: DIMENSIONS, metric: 'l2' });
    const coll = vx.collection(COLLECTION);
    const item = (i) => ({ id: String(i), vector: row(data.base, i), metadata: { label: data.baseLabels[i] } });
    const batches = (n) =>
      Array.from({ length: Math.ceil(n / opts.batch) }, (_, b) => [b * opts.batch, Math.min(n, (b + 1) * opts.batch)]);

    log(`ingest: ${N} rows by COPY (raw, vecdex), ${opts.insertRows} row by row (raw, vecdex) ...`);
    let t = now();
    for (const [s, e] of batches(N)) {
      const lines = [];
      for (let i = s; i < e; i++) lines.push(`${i}\t${literal(row(data.base, i))}\t{"label":${data.baseLabels[i]}}\n`);
      await pipeline(
        Readable.from(lines),
        raw.query(copyStreams.from(`COPY ${rawSchema}.items (id, embedding, metadata) FROM STDIN`)),
      );
    }
    const rawCopyMs = now() - t;
    t = now();
    for (const [s, e] of batches(N)) await coll.upsert(Array.from({ length: e - s }, (_, j) => item(s + j)));
    const vxCopyMs = now() - t;
    const M = Math.min(N, opts.insertRows);
    t = now();
    for (const [s, e] of batches(M)) {
      await raw.query('BEGIN');
      for (let i = s; i < e; i++) {
        await raw.query(`INSERT INTO ${rawSchema}.items_ins (id, embedding, metadata) VALUES ($1, $2, $3)`, [
          String(i),
          literal(row(data.base, i)),
          { label: data.baseLabels[i] },
        ]);
      }
      await raw.query('COMMIT');
    }
    const rawInsMs = now() - t;
    const collIns = vxIns.collection(COLLECTION);
    t = now();
    for (const [s, e] of batches(M)) await collIns.upsert(Array.from({ length: e - s }, (_, j) => item(s + j)));
    const vxInsMs = now() - t;
    await vxIns.close();
    vxIns = undefined;
    await raw.query(`DROP TABLE ${rawSchema}.items_ins`);
    await raw.query(`VACUUM ANALYZE ${rawSchema}.items`);
    await vx.backend.pool.query(`VACUUM ANALYZE ${(await vx.backend.collectionTable(COLLECTION)).table}`);
    result.ingest = {
      copy: { rows: N, rawSeconds: rawCopyMs / 1000, vecdexSeconds: vxCopyMs / 1000 },
      insert: { rows: M, rawSeconds: rawInsMs / 1000, vecdexSeconds: vxInsMs / 1000 },
    };
    log(
      `ingest: COPY raw ${secs(rawCopyMs)} s, vecdex ${secs(vxCopyMs)} s; INSERT raw ${secs(rawInsMs)} s, vecdex ${secs(vxInsMs)} s`,
    );

    // ---- exact search -------------------------------------------------------------------------
    const ids = (rows) => rows.map((r) => Number(r.id));
    // Unnamed statements, planned per query like vecdex's: a named one would keep its first
    // (generic) plan, and PostgreSQL may rightly prefer a sequential scan at high probes.
    const rawSelect = (i) =>
      raw.query(`SELECT id FROM ${rawSchema}.items ORDER BY embedding <-> $1 LIMIT ${k}`, [literal(queries[i])]);
    const EQ = Math.min(Q, opts.exactQueries);
    log(`exact: ${EQ} queries (sequential scans) ...`);
    const exact = await measure(
      {
        raw: async (i) => ids((await rawSelect(i)).rows),
        vecdex: async (i) => ids(await coll.similar(queries[i], { k, exact: true, include: {} })),
      },
      EQ,
      recallOfIds,
      1,
      5,
    );
    result.exact = exact;

    // ---- HNSW ---------------------------------------------------------------------------------
    log(`hnsw: building (m ${opts.m}, ef_construction ${opts.efConstruction}) raw, then vecdex ...`);
    t = now();
    await raw.query(`BEGIN; SET LOCAL maintenance_work_mem = '1024MB'`);
    await raw.query(
      `CREATE INDEX raw_hnsw ON ${rawSchema}.items USING hnsw (embedding vector_l2_ops) WITH (m = ${opts.m}, ef_construction = ${opts.efConstruction})`,
    );
    await raw.query('COMMIT');
    const rawHnswMs = now() - t;
    await vx.indexes.create({
      name: 'fm-hnsw',
      plugin: 'pgvector-hnsw',
      collections: [COLLECTION],
      params: { m: opts.m, efConstruction: opts.efConstruction },
      default: true,
    });
    t = now();
    const hs = await vx.indexes.build('fm-hnsw');
    const vxHnswMs = now() - t;
    const rawHnswBytes = Number((await raw.query(`SELECT pg_relation_size('${rawSchema}.raw_hnsw') AS b`)).rows[0].b);
    result.hnsw = {
      build: {
        rawSeconds: rawHnswMs / 1000,
        vecdexSeconds: vxHnswMs / 1000,
        rawBytes: rawHnswBytes,
        vecdexBytes: hs.bytesOnDisk,
        notices: hs.stats?.buildNotices ?? [],
      },
      search: [],
    };
    log(`hnsw: built raw ${secs(rawHnswMs)} s, vecdex ${secs(vxHnswMs)} s`);
    for (const ef of opts.ef) {
      await raw.query(`SET hnsw.ef_search = ${ef}`);
      const m = await measure(
        {
          raw: async (i) => ids((await rawSelect(i)).rows),
          vecdex: async (i) => ids(await coll.similar(queries[i], { k, params: { efSearch: ef }, include: {} })),
        },
        Q,
        recallOfIds,
        opts.repeats,
        WARMUP,
      );
      result.hnsw.search.push({ efSearch: ef, ...m });
      log(
        `  ef_search ${ef}: raw ${m.raw.qps.toFixed(0)} QPS (recall ${m.raw.recall.toFixed(3)}), vecdex ${m.vecdex.qps.toFixed(0)} QPS (recall ${m.vecdex.recall.toFixed(3)})`,
      );
    }
    await raw.query('RESET hnsw.ef_search');
    result.perCall = await perCall(vx, coll, queries[0], rawSelect);

    // ---- IVFFlat ------------------------------------------------------------------------------
    if (opts.ivfflat) {
      await raw.query(`DROP INDEX ${rawSchema}.raw_hnsw`);
      await vx.indexes.drop('fm-hnsw');
      const lists = opts.lists > 0 ? opts.lists : Math.max(1, N <= 1_000_000 ? Math.floor(N / 1000) : Math.floor(Math.sqrt(N)));
      log(`ivfflat: building (lists ${lists}) raw, then vecdex ...`);
      t = now();
      await raw.query(`BEGIN; SET LOCAL maintenance_work_mem = '1024MB'`);
      await raw.query(
        `CREATE INDEX raw_ivf ON ${rawSchema}.items USING ivfflat (embedding vector_l2_ops) WITH (lists = ${lists})`,
      );
      await raw.query('COMMIT');
      const rawIvfMs = now() - t;
      await vx.indexes.create({
        name: 'fm-ivf',
        plugin: 'pgvector-ivfflat',
        collections: [COLLECTION],
        params: opts.lists > 0 ? { lists } : {},
        default: true,
      });
      t = now();
      const is = await vx.indexes.build('fm-ivf');
      const vxIvfMs = now() - t;
      result.ivfflat = {
        lists: is.stats?.lists,
        build: { rawSeconds: rawIvfMs / 1000, vecdexSeconds: vxIvfMs / 1000 },
        search: [],
      };
      log(`ivfflat: built raw ${secs(rawIvfMs)} s, vecdex ${secs(vxIvfMs)} s (lists ${is.stats?.lists})`);
      for (const probes of opts.probes) {
        await raw.query(`SET ivfflat.probes = ${probes}`);
        const m = await measure(
          {
            raw: async (i) => ids((await rawSelect(i)).rows),
            vecdex: async (i) => ids(await coll.similar(queries[i], { k, params: { probes }, include: {} })),
          },
          Q,
          recallOfIds,
          opts.repeats,
          WARMUP,
        );
        result.ivfflat.search.push({ probes, ...m });
        log(
          `  probes ${probes}: raw ${m.raw.qps.toFixed(0)} QPS (recall ${m.raw.recall.toFixed(3)}), vecdex ${m.vecdex.qps.toFixed(0)} QPS (recall ${m.vecdex.recall.toFixed(3)})`,
        );
      }
    }
  } finally {
    if (vxIns !== undefined) await vxIns.close();
    if (vx !== undefined) {
      await vx.backend.pool
        .query(`DROP SCHEMA IF EXISTS ${vxSchema} CASCADE; DROP SCHEMA IF EXISTS ${vxInsSchema} CASCADE`)
        .catch(() => undefined);
      await vx.close();
    }
    await raw.query(`DROP SCHEMA IF EXISTS ${rawSchema} CASCADE`).catch(() => undefined);
    await raw.end();
  }
  if (opts.json) {
    log(`\n${report(result)}`);
    console.log(JSON.stringify(result, null, 2));
  } else console.log(report(result));
}

/**
 * Every variant answers queries [0, n), interleaved in chunks of CHUNK (the order rotating), best
 * of `repeats`; recall from the last repeat. Latency percentiles are per query.
 */
async function measure(variants, n, recallOfIds, repeats, warmup) {
  const names = Object.keys(variants);
  const out = Object.fromEntries(names.map((v) => [v, { qps: 0, p50Ms: Infinity, meanMs: Infinity, recall: 0 }]));
  for (const v of names) for (let i = 0; i < Math.min(warmup, n); i++) await variants[v](i);
  for (let r = 0; r < repeats; r++) {
    const acc = Object.fromEntries(names.map((v) => [v, { ms: 0, lat: [], results: new Array(n) }]));
    for (let start = 0, chunk = 0; start < n; start += CHUNK, chunk++) {
      for (let j = 0; j < names.length; j++) {
        const v = names[(j + chunk + r) % names.length];
        const a = acc[v];
        for (let i = start; i < Math.min(n, start + CHUNK); i++) {
          const t0 = now();
          a.results[i] = await variants[v](i);
          const dt = now() - t0;
          a.ms += dt;
          a.lat.push(dt);
        }
      }
    }
    for (const v of names) {
      const a = acc[v];
      a.lat.sort((x, y) => x - y);
      const o = out[v];
      o.qps = Math.max(o.qps, (n * 1000) / a.ms);
      o.p50Ms = Math.min(o.p50Ms, a.lat[Math.floor(a.lat.length / 2)]);
      o.meanMs = Math.min(o.meanMs, a.ms / n);
      let rec = 0;
      for (let i = 0; i < n; i++) rec += recallOfIds(a.results[i], i);
      o.recall = rec / n;
    }
  }
  return { ...out, ratio: out.vecdex.qps / out.raw.qps };
}

/** µs per call of what collection.similar does besides the index scan (best of 3 × 300 calls). */
async function perCall(vx, coll, q, rawSelect) {
  const b = vx.backend;
  const state = await b.getIndexState('fm-hnsw');
  // The plugin alone, opened beside core's instance: its search without core's staleness check.
  const spec = b.indexPlugins().find((p) => p.name === 'pgvector-hnsw');
  const index = await spec.open({
    definition: await vx.indexes.get('fm-hnsw'),
    dimensions: DIMENSIONS,
    metric: 'l2',
    directory: os.tmpdir(),
    backend: b,
  });
  if (!(await index.load(state.state))) throw new Error('the plugin could not load its own index');
  const cases = {
    'raw SELECT (ef_search 40)': () => rawSelect(0),
    'backend.getCollection (info)': () => b.getCollection(COLLECTION),
    'backend.headCursor (staleness)': () => b.headCursor(),
    'backend.countChanges (pending)': () => b.countChanges([COLLECTION], state.cursor),
    'plugin search alone (BEGIN; SET LOCAL; SELECT; COMMIT in one message)': () =>
      index.search(q, { k: 10, params: { efSearch: 40 } }),
    'vx.indexes.search (staleness check + plugin search)': () =>
      vx.indexes.search('fm-hnsw', q, { k: 10, params: { efSearch: 40 } }),
    'collection.similar (efSearch 40, include {})': () => coll.similar(q, { k: 10, params: { efSearch: 40 }, include: {} }),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 30; i++) await fn();
      const t0 = now();
      for (let i = 0; i < 300; i++) await fn();
      best = Math.min(best, ((now() - t0) * 1000) / 300);
    }
    out[name] = best;
  }
  return out;
}

function report(r) {
  const f0 = (x) => Math.round(x).toLocaleString('en-US');
  const f2 = (x) => x.toFixed(2);
  const f3 = (x) => x.toFixed(3);
  const L = [];
  L.push(
    `Fashion-MNIST (${r.base.toLocaleString('en-US')} x 784, l2), ${r.queries.toLocaleString('en-US')} queries, k ${r.k}; PostgreSQL ${r.postgres.split(' ')[0]}, pgvector ${r.pgvector}; ` +
      `best of ${r.repeats}; ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}`,
  );
  L.push('');
  L.push('| ingest | rows | raw s | vecdex s | raw rows/s | vecdex rows/s | vecdex/raw time |');
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, x] of [
    [`COPY (batches of ${opts.batch})`, r.ingest.copy],
    ['row-by-row INSERT', r.ingest.insert],
  ]) {
    L.push(
      `| ${name} | ${f0(x.rows)} | ${f2(x.rawSeconds)} | ${f2(x.vecdexSeconds)} | ${f0(x.rows / x.rawSeconds)} | ${f0(x.rows / x.vecdexSeconds)} | ${f2(x.vecdexSeconds / x.rawSeconds)} |`,
    );
  }
  L.push(
    `COPY vs row-by-row INSERT, vecdex: ${f2(r.ingest.copy.rows / r.ingest.copy.vecdexSeconds / (r.ingest.insert.rows / r.ingest.insert.vecdexSeconds))}x the rows/s`,
  );
  L.push('');
  const e = r.exact;
  L.push('| exact search (seq scan) | p50 ms | mean ms | QPS | recall@10 |');
  L.push('|---|---:|---:|---:|---:|');
  L.push(`| raw SQL | ${f2(e.raw.p50Ms)} | ${f2(e.raw.meanMs)} | ${f2(e.raw.qps)} | ${f3(e.raw.recall)} |`);
  L.push(
    `| vecdex \`similar({ exact: true })\` | ${f2(e.vecdex.p50Ms)} | ${f2(e.vecdex.meanMs)} | ${f2(e.vecdex.qps)} | ${f3(e.vecdex.recall)} |`,
  );
  L.push(`| vecdex/raw QPS | | | ${f2(e.ratio)} | |`);
  L.push('');
  const b = r.hnsw.build;
  L.push(`| build | raw s | vecdex s | vecdex/raw |`);
  L.push('|---|---:|---:|---:|');
  L.push(
    `| HNSW (m ${r.params.m}, ef_construction ${r.params.efConstruction}; ${(b.vecdexBytes / 2 ** 20).toFixed(0)} MiB) | ${f2(b.rawSeconds)} | ${f2(b.vecdexSeconds)} | ${f2(b.vecdexSeconds / b.rawSeconds)} |`,
  );
  if (r.ivfflat)
    L.push(
      `| IVFFlat (lists ${r.ivfflat.lists}) | ${f2(r.ivfflat.build.rawSeconds)} | ${f2(r.ivfflat.build.vecdexSeconds)} | ${f2(r.ivfflat.build.vecdexSeconds / r.ivfflat.build.rawSeconds)} |`,
    );
  if (b.notices.length > 0) L.push(`build NOTICEs: ${b.notices.join('; ')}`);
  if (r.perCall) {
    L.push('');
    L.push('| per call, one query (µs) | |');
    L.push('|---|---:|');
    for (const [name, us] of Object.entries(r.perCall)) L.push(`| ${name} | ${us.toFixed(0)} |`);
  }
  const table = (title, key, rows) => {
    L.push('');
    L.push(`| ${title} | recall@10 raw | recall@10 vecdex | raw QPS | vecdex QPS | vecdex/raw | raw p50 ms | vecdex p50 ms |`);
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of rows) {
      L.push(
        `| ${s[key]} | ${f3(s.raw.recall)} | ${f3(s.vecdex.recall)} | ${f0(s.raw.qps)} | ${f0(s.vecdex.qps)} | ${f2(s.ratio)} | ${f2(s.raw.p50Ms)} | ${f2(s.vecdex.p50Ms)} |`,
      );
    }
  };
  table('HNSW ef_search', 'efSearch', r.hnsw.search);
  if (r.ivfflat) table('IVFFlat probes', 'probes', r.ivfflat.search);
  const all = [...r.hnsw.search, ...(r.ivfflat?.search ?? [])];
  L.push('');
  L.push(
    `min vecdex/raw QPS ${f2(Math.min(...all.map((s) => s.ratio)))}, median ${f2(all.map((s) => s.ratio).sort((a, b) => a - b)[Math.floor(all.length / 2)])} (target ≥ 0.90)`,
  );
  return L.join('\n');
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
    base: 60_000,
    queries: 1_000,
    exactQueries: 100,
    insertRows: 10_000,
    batch: 1000,
    ef: [10, 20, 40, 80, 160],
    probes: [1, 2, 4, 8, 16],
    m: 16,
    efConstruction: 64,
    lists: 0,
    repeats: 2,
    k: 10,
    ivfflat: true,
    json: false,
  };
  const int = (name, s, min = 1) => {
    const n = Number(String(s).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) usage(`${name} must be an integer ≥ ${min}, got ${s}`);
    return n;
  };
  const list = (name, s) =>
    s
      .split(',')
      .filter(Boolean)
      .map((x) => int(name, x));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--base') o.base = int(a, val());
    else if (a === '--queries') o.queries = int(a, val());
    else if (a === '--exact-queries') o.exactQueries = int(a, val());
    else if (a === '--insert-rows') o.insertRows = int(a, val());
    else if (a === '--batch') o.batch = int(a, val());
    else if (a === '--ef') o.ef = list(a, val());
    else if (a === '--probes') o.probes = list(a, val());
    else if (a === '--m') o.m = int(a, val(), 2);
    else if (a === '--ef-construction') o.efConstruction = int(a, val(), 4);
    else if (a === '--lists') o.lists = int(a, val(), 0);
    else if (a === '--repeats') o.repeats = int(a, val());
    else if (a === '--k') o.k = int(a, val());
    else if (a === '--no-ivfflat') o.ivfflat = false;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (o.base > 60_000) usage('--base is at most 60000 (the Fashion-MNIST train set)');
  if (o.queries > 10_000) usage('--queries is at most 10000 (the Fashion-MNIST test set)');
  if (o.k > 100) usage('--k is at most 100 (the ground truth keeps 100 neighbours)');
  return o;
}

function usage(message) {
  const text = fileURLToPath(import.meta.url);
  if (message) console.error(`error: ${message}`);
  console.error(`usage: node ${path.relative(process.cwd(), text)} [options]; see the comment at the top of the file`);
  process.exit(message ? 2 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
