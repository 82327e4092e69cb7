#!/usr/bin/env node
// pgvector beyond one server (issue 18), on Fashion-MNIST (60,000 × 784 train as the base, the
// t10k set as queries, l2) or a synthetic set (--synthetic N×D, uniform in [-1, 1]):
//
//   node bench/pgvector-scale.mjs [--base 60000] [--queries 500] [--insert-rows 5000]
//        [--batch 5000] [--workers 0,1,2] [--ef 40] [--k 10] [--writes 200] [--synthetic 1000000x128]
//        [--phases ingest,build,queries,ryw]
//
//   ingest    vecdex collection.upsert(batch) with insertPath 'copy' (COPY into a staging table,
//             one INSERT ... ON CONFLICT, change feed rows) against insertPath 'insert' (one INSERT
//             per item), same batches; ratio of rows/s (target ≥ 10×), and the CPU each path
//             spent per row in this process and in its server processes (from /proc: the same
//             work whatever else loads the machine).
//   HNSW      vecdex pgvector-hnsw build (m 16, ef_construction 64, maintenance_work_mem sized by
//             vecdex) with parallelWorkers 0 (the leader alone: one process), 1 (leader + 1
//             worker: two processes) and 2, the index dropped before each build.
//   queries   the same HNSW queries (ef_search --ef, k) through a backend on the primary alone
//             and through one with `replicas: [a streaming replica]` (made here with
//             pg_basebackup -R, on the same machine: it shares the 2 cores); QPS, p50, recall@k,
//             and how many reads the replica served.
//   (--phases picks the blocks to run, so one size can be split over several runs; `queries` and
//   `ryw` need `build`. Ingest always runs: the other blocks need the data.)
//   RYW       the cost of the read-your-writes check: a one-item upsert then a search, on the
//             backend with the replica (the search probes the replica's replay position first, and
//             falls back to the primary when the write is not replayed yet) and on the primary-only
//             backend (no check), interleaved; the difference of the mean search latencies, and
//             how many of those reads the replica could serve.
//
// Needs root or the postgres account for pg_basebackup/pg_ctl (as scripts/setup-postgres.sh).
// PostgreSQL: VECDEX_TEST_PG_URL, or one is started (and stopped) with scripts/setup-postgres.sh.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openVecdex } from '@vecdex/core';
import { createPgVectorBackend } from '@vecdex/backend-pgvector';
import pg from 'pg';
import { ensureFashionMnist, groundTruth, loadFashionMnist, recallOf, row } from './lib/fashion-mnist.mjs';
import { startServerIfNeeded } from './lib/pg-server.mjs';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const opts = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);
const now = () => performance.now();
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => x.toFixed(2);
const f3 = (x) => (Number.isNaN(x) ? '-' : x.toFixed(3)); // synthetic data: no ground truth

async function main() {
  const server = startServerIfNeeded(log);
  let replica = null;
  try {
    if (opts.phases.has('queries') || opts.phases.has('ryw')) replica = await makeReplica(server.url);
    await run(server.url, replica);
  } finally {
    replica?.destroy();
    server.stop();
  }
}

function dataset() {
  if (opts.synthetic) {
    const [n, d] = opts.synthetic;
    let a = 12345;
    const rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    };
    const base = new Float32Array(n * d).map(rnd);
    const queries = new Float32Array(opts.queries * d).map(rnd);
    return { name: `synthetic ${n.toLocaleString('en-US')} × ${d}`, base, queries, n, d, recall: null };
  }
  ensureFashionMnist(undefined, log);
  const data = loadFashionMnist({ base: opts.base, queries: opts.queries });
  return {
    name: `Fashion-MNIST ${opts.base.toLocaleString('en-US')} × 784`,
    base: data.base,
    queries: data.queries,
    n: opts.base,
    d: 784,
    data,
  };
}

async function run(url, replica) {
  const ds = dataset();
  const { n, d } = ds;
  const Q = opts.queries;
  let kth = null;
  if (ds.data) {
    const gt = await groundTruth(ds.data, { k: 100, log });
    kth = Float64Array.from({ length: Q }, (_, q) => gt.dist[q * gt.k + opts.k - 1]);
  }
  const queries = Array.from({ length: Q }, (_, i) => row(ds.queries, i, d).slice());
  const recallOfIds = (ids, i) => (kth === null ? Number.NaN : recallOf(ids, queries[i], kth[i], ds.base, opts.k));
  const tag = process.pid;
  const results = { dataset: ds.name, loadStart: load() };

  // ---- ingest: COPY vs row INSERTs ----
  const ingest = async (insertPath, rows, schema) => {
    const applicationName = `bench-ingest-${insertPath}-${tag}`;
    const backend = await createPgVectorBackend({ connectionString: url, schema, insertPath, applicationName });
    const vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
    await vx.collections.create({ name: 'c', dimensions: d, metric: 'l2' });
    const c = vx.collection('c');
    const server0 = await serverCpuMs(url, applicationName);
    const client0 = process.cpuUsage();
    const t0 = now();
    for (let s = 0; s < rows; s += opts.batch) {
      const items = [];
      for (let i = s; i < Math.min(rows, s + opts.batch); i++) items.push({ id: String(i), vector: row(ds.base, i, d) });
      await c.upsert(items);
      if (process.stderr.isTTY) process.stderr.write(`\r${insertPath} ${Math.min(rows, s + opts.batch)}/${rows}`);
    }
    const seconds = (now() - t0) / 1000;
    const client = process.cpuUsage(client0);
    const clientMs = (client.user + client.system) / 1000;
    const serverMs = cpuSince(await serverCpuMs(url, applicationName), server0);
    if (process.stderr.isTTY) process.stderr.write('\n');
    return {
      vx,
      backend,
      seconds,
      rows,
      rate: rows / seconds,
      clientUs: (1000 * clientMs) / rows,
      serverUs: (1000 * serverMs) / rows,
    };
  };
  log('ingest: row INSERTs ...');
  const ins = await ingest('insert', Math.min(opts.insertRows, n), `bench_scale_ins_${tag}`);
  await ins.vx.close();
  await dropSchema(url, `bench_scale_ins_${tag}`);
  log('ingest: COPY ...');
  const copy = await ingest('copy', n, `bench_scale_${tag}`);
  results.ingest = { copy: pick(copy), insert: pick(ins), ratio: copy.rate / ins.rate, load: load() };
  const vx = copy.vx;

  const schema = `bench_scale_${tag}`;
  if (!opts.phases.has('build')) return finish(results, [vx], url, schema);

  // ---- HNSW build with 0 / 1 / 2 parallel workers ----
  results.builds = [];
  for (const w of opts.workers) {
    const name = `h${w}`;
    await vx.indexes.create({
      name,
      plugin: 'pgvector-hnsw',
      collections: ['c'],
      params: { parallelWorkers: w, efSearch: opts.ef },
    });
    log(`HNSW build, parallelWorkers ${w} ...`);
    const t0 = now();
    const status = await vx.indexes.build(name);
    const seconds = (now() - t0) / 1000;
    results.builds.push({
      workers: w,
      seconds,
      mwm: status.stats?.buildMaintenanceWorkMemMB,
      notices: status.stats?.buildNotices ?? [],
      load: load(),
    });
    if (w !== opts.workers[opts.workers.length - 1]) await vx.indexes.drop(name);
  }
  const index = `h${opts.workers[opts.workers.length - 1]}`;
  if (!opts.phases.has('queries') && !opts.phases.has('ryw')) return finish(results, [vx], url, schema);

  // ---- queries: primary alone vs one replica ----
  await replica.caughtUp(url);
  const onPrimary = await openVecdex({
    config: { backend: { use: 'pgvector' }, plugins: [] },
    backend: await createPgVectorBackend({ connectionString: url, schema }),
    env: {},
  });
  const replicaBackend = await createPgVectorBackend({ connectionString: url, schema, replicas: [replica.url] });
  const onReplica = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend: replicaBackend, env: {} });
  const search = async (v, qi) => {
    const t0 = now();
    const { hits } = await v.collection('c').search(queries[qi], { k: opts.k, index, include: {} });
    return {
      ms: now() - t0,
      recall: recallOfIds(
        hits.map((h) => Number(h.id)),
        qi,
      ),
    };
  };
  const pass = async (v) => {
    const ms = [];
    let rec = 0;
    const t0 = now();
    for (let i = 0; i < Q; i++) {
      const r = await search(v, i);
      ms.push(r.ms);
      rec += r.recall;
    }
    const wall = now() - t0;
    ms.sort((a, b) => a - b);
    return { qps: (Q * 1000) / wall, p50: ms[Math.floor(Q / 2)], recall: rec / Q };
  };
  if (opts.phases.has('queries')) {
    for (let i = 0; i < 20; i++) {
      await search(onPrimary, i);
      await search(onReplica, i);
    }
    const best = (a, b) => (a === null || b.qps > a.qps ? b : a);
    let prim = null;
    let rep = null;
    for (let r = 0; r < opts.repeats; r++) {
      prim = best(prim, await pass(onPrimary));
      rep = best(rep, await pass(onReplica));
    }
    results.queries = { primary: prim, replica: rep, replicaStats: replicaBackend.replicaStats(), load: load() };
  }
  if (!opts.phases.has('ryw')) return finish(results, [onPrimary, onReplica, vx], url, schema);

  // ---- read-your-writes check ----
  // The same loop on both backends, interleaved so load drift hits both: a one-item upsert,
  // then a search. With the replica, that search first probes the replica's replay position
  // (it has not replayed the write yet, so the read then runs on the primary); on the
  // primary-only backend there is nothing to check. The difference is the check's cost.
  const cRep = onReplica.collection('c');
  const cPrim = onPrimary.collection('c');
  const after = { rep: [], prim: [], write: [] };
  const before = replicaBackend.replicaStats();
  for (let i = 0; i < opts.writes; i++) {
    for (const [key, coll] of i % 2 === 0
      ? [
          ['rep', cRep],
          ['prim', cPrim],
        ]
      : [
          ['prim', cPrim],
          ['rep', cRep],
        ]) {
      let t0 = now();
      await coll.upsert([{ id: `w${key}${i}`, vector: queries[i % Q] }]);
      after.write.push(now() - t0);
      t0 = now();
      await coll.search(queries[(i + 1) % Q], { k: opts.k, index, include: {} });
      after[key].push(now() - t0);
    }
  }
  const mid = replicaBackend.replicaStats();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const served = (s) => s.replicas[0].served;
  results.ryw = {
    writes: opts.writes,
    writeMs: mean(after.write),
    withCheckMs: mean(after.rep),
    withoutCheckMs: mean(after.prim),
    servedByReplicaAfterWrite: served(mid) - served(before),
    fellBackToPrimary: mid.primaryServed - before.primaryServed,
    load: load(),
  };
  return finish(results, [onPrimary, onReplica, vx], url, schema);
}

async function finish(results, open, url, schema) {
  for (const v of open) await v.close();
  await dropSchema(url, schema);
  results.loadEnd = load();
  if (opts.json) console.log(JSON.stringify(results, null, 2));
  else console.log(report(results));
}

function pick(r) {
  return { rows: r.rows, seconds: r.seconds, rate: r.rate, clientUs: r.clientUs, serverUs: r.serverUs };
}

/**
 * CPU time (user + system, ms) so far of each server process whose application_name is `app`,
 * read from /proc (the server runs on this machine): what the server spent on the ingest,
 * whatever else loads the machine. A process that started later counts from 0.
 */
async function serverCpuMs(url, app) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const pids = (await c.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])).rows.map((r) => r.pid);
    const out = new Map();
    const tick = 1000 / 100; // USER_HZ
    for (const pid of pids) {
      try {
        const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        out.set(pid, (Number(f[11]) + Number(f[12])) * tick);
      } catch {}
    }
    return out;
  } finally {
    await c.end();
  }
}

function cpuSince(after, before) {
  let ms = 0;
  for (const [pid, v] of after) ms += v - (before.get(pid) ?? 0);
  return ms;
}

function report(r) {
  const L = [];
  const cpus = os.cpus();
  L.push(
    `${r.dataset}, k ${opts.k}, ef_search ${opts.ef}; ${cpus.length} cores (${cpus[0]?.model ?? '?'}), Node ${process.version}; load ${r.loadStart} at start, ${r.loadEnd} at end`,
  );
  L.push('');
  L.push('| ingest (vecdex upsert) | batch | rows | s | rows/s | client CPU µs/row | server CPU µs/row |');
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  const cpuCols = (x) => `${x.clientUs.toFixed(1)} | ${x.serverUs.toFixed(1)}`;
  L.push(
    `| COPY (insertPath copy) | ${opts.batch} | ${f0(r.ingest.copy.rows)} | ${f2(r.ingest.copy.seconds)} | ${f0(r.ingest.copy.rate)} | ${cpuCols(r.ingest.copy)} |`,
  );
  L.push(
    `| row INSERTs (insertPath insert) | ${opts.batch} | ${f0(r.ingest.insert.rows)} | ${f2(r.ingest.insert.seconds)} | ${f0(r.ingest.insert.rate)} | ${cpuCols(r.ingest.insert)} |`,
  );
  const cpuOf = (x) => x.clientUs + x.serverUs;
  L.push(
    `COPY / INSERT rows/s: ${f2(r.ingest.ratio)}× (target ≥ 10×); CPU per row (client + server), INSERT / COPY: ${f2(cpuOf(r.ingest.insert) / cpuOf(r.ingest.copy))}×; load ${r.ingest.load}`,
  );
  if (r.builds === undefined) return L.join('\n');
  L.push('');
  L.push('| HNSW build (m 16, ef_construction 64) | processes | s | maintenance_work_mem MB | load after |');
  L.push('|---|---:|---:|---:|---|');
  for (const b of r.builds)
    L.push(`| parallelWorkers ${b.workers} | ${b.workers + 1} | ${f2(b.seconds)} | ${b.mwm} | ${b.load} |`);
  const b0 = r.builds.find((b) => b.workers === 0);
  for (const b of r.builds)
    if (b0 && b !== b0) L.push(`parallelWorkers ${b.workers}: ${f2(b0.seconds / b.seconds)}× faster than the leader alone`);
  const notes = r.builds.flatMap((b) => b.notices);
  if (notes.length > 0) L.push(`build notes: ${notes.join('; ')}`);
  if (r.queries !== undefined) {
    L.push('');
    L.push('| HNSW queries, one client | QPS | p50 ms | recall@k |');
    L.push('|---|---:|---:|---:|');
    L.push(`| primary alone | ${f0(r.queries.primary.qps)} | ${f2(r.queries.primary.p50)} | ${f3(r.queries.primary.recall)} |`);
    L.push(`| via one replica | ${f0(r.queries.replica.qps)} | ${f2(r.queries.replica.p50)} | ${f3(r.queries.replica.recall)} |`);
    const s = r.queries.replicaStats;
    L.push(
      `replica/primary QPS ${f2(r.queries.replica.qps / r.queries.primary.qps)}; replica served ${f0(s.replicas[0].served)} reads, primary ${f0(s.primaryServed)}; load ${r.queries.load}`,
    );
  }
  if (r.ryw === undefined) return L.join('\n');
  L.push('');
  L.push('| search right after a one-item upsert | mean ms |');
  L.push('|---|---:|');
  L.push(`| with a replica (read-your-writes check first) | ${f2(r.ryw.withCheckMs)} |`);
  L.push(`| primary alone (no check) | ${f2(r.ryw.withoutCheckMs)} |`);
  L.push(
    `added by the check: ${f2(r.ryw.withCheckMs - r.ryw.withoutCheckMs)} ms a read after a write (upserts took ${f2(r.ryw.writeMs)} ms); of ${r.ryw.writes} such reads the replica served ${r.ryw.servedByReplicaAfterWrite}, the primary ${r.ryw.fellBackToPrimary}; reads with no write of this instance since the replica last caught up pay nothing; load ${r.ryw.load}`,
  );
  return L.join('\n');
}

async function dropSchema(url, schema) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await c.end();
  }
}

function asPostgres(program, args) {
  const bin = path.join(PG_BIN, program);
  return process.getuid?.() === 0
    ? execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    : execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** A hot standby of the server (pg_basebackup -R) on the next free port from the primary's + 5. */
async function makeReplica(primaryUrl) {
  const u = new URL(primaryUrl);
  let port = Number(u.port) + 5;
  while (!(await portFree(port))) port++;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-replica-'));
  fs.chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  log(`replica: pg_basebackup -R into ${dir}, port ${port} ...`);
  asPostgres('pg_basebackup', [
    '-d',
    `host=127.0.0.1 port=${u.port} user=${decodeURIComponent(u.username)}`,
    '-D',
    `${dir}/data`,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  asPostgres('pg_ctl', [
    '-D',
    `${dir}/data`,
    '-l',
    `${dir}/server.log`,
    '-w',
    '-t',
    '60',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
  ]);
  const ru = new URL(primaryUrl);
  ru.port = String(port);
  return {
    url: ru.toString(),
    async caughtUp(url) {
      const p = new pg.Client({ connectionString: url });
      const r = new pg.Client({ connectionString: ru.toString() });
      await p.connect();
      await r.connect();
      try {
        const lsn = (await p.query('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l;
        for (let i = 0; i < 3000; i++) {
          if ((await r.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0].ok) return;
          await new Promise((res) => setTimeout(res, 20));
        }
        throw new Error('replica did not catch up within 60 s');
      } finally {
        await p.end();
        await r.end();
      }
    },
    destroy() {
      try {
        asPostgres('pg_ctl', ['-D', `${dir}/data`, '-m', 'immediate', '-w', 'stop']);
      } catch {}
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function parseArgs(argv) {
  const o = {
    base: 60_000,
    queries: 500,
    insertRows: 5_000,
    batch: 5_000,
    workers: [0, 1, 2],
    ef: 40,
    k: 10,
    writes: 200,
    repeats: 2,
    synthetic: null,
    json: false,
    phases: new Set(['ingest', 'build', 'queries', 'ryw']),
  };
  const int = (name, s, min = 1) => {
    const n = Number(String(s).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) usage(`${name} must be an integer ≥ ${min}, got ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--base') o.base = int(a, val());
    else if (a === '--queries') o.queries = int(a, val());
    else if (a === '--insert-rows') o.insertRows = int(a, val());
    else if (a === '--batch') o.batch = int(a, val());
    else if (a === '--workers')
      o.workers = val()
        .split(',')
        .map((x) => int(a, x, 0));
    else if (a === '--ef') o.ef = int(a, val());
    else if (a === '--k') o.k = int(a, val());
    else if (a === '--writes') o.writes = int(a, val());
    else if (a === '--repeats') o.repeats = int(a, val());
    else if (a === '--synthetic') {
      const m = /^(\d+)x(\d+)$/.exec(val());
      if (!m) usage('--synthetic is NxD, e.g. 1000000x128');
      o.synthetic = [Number(m[1]), Number(m[2])];
    } else if (a === '--phases') {
      o.phases = new Set(['ingest', ...val().split(',')]);
      for (const p of o.phases)
        if (!['ingest', 'build', 'queries', 'ryw'].includes(p)) usage(`--phases takes ingest,build,queries,ryw; got ${p}`);
      if ((o.phases.has('queries') || o.phases.has('ryw')) && !o.phases.has('build')) usage('--phases queries/ryw need build');
    } else if (a === '--json') o.json = true;
    else usage(`unknown argument ${a}`);
  }
  if (o.base > 60_000) usage('--base is at most 60000 (the Fashion-MNIST train set)');
  if (o.k > 100) usage('--k is at most 100');
  return o;
}

function usage(message) {
  console.error(`error: ${message}\nusage: node bench/pgvector-scale.mjs [options]; see the comment at the top of the file`);
  process.exit(2);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
