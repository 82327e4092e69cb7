#!/usr/bin/env node
// What does vecdex cost over hand-written better-sqlite3 + sqlite-vec doing the same work?
//
//   node bench/sqlitevec-overhead.mjs [--sizes 10000,100000] [--queries 200] [--repeats 3]
//                                     [--dim 128] [--batch 1000] [--k 10] [--no-real] [--json]
//
// For each data set it runs three variants, each on a new database file (WAL) in a temp dir:
//
//   raw vec0 only    vec0 inserts (one immediate transaction per batch) and the vec0 KNN query:
//                    the floor, with no ids, metadata or change log.
//   raw same schema  the sqlitevec backend's schema and statements written by hand: an items row
//                    (string id, content, metadata JSON, modified), a vec0 row with the item's
//                    rowid, a change-log row per write, one immediate transaction per batch; search
//                    is the vec0 KNN joined to the items table for ids and metadata.
//   vecdex           openVecdex() + collection.upsert() in batches + collection.similar(k).
//
// Every variant first runs once on 2,000 vectors, unmeasured, so JIT compilation is not timed.
// Ingest is timed from the first batch to the last commit. Then the WAL is checkpointed (so all
// variants search the same on-disk state), and search is timed per query (after a few warm-up
// queries). Both are also measured in CPU time of this process (process.cpuUsage),
// which other load on the machine disturbs less than the wall clock. The order of the variants
// alternates between repeats, and each cell is the best of the repeats (a shared 2-core machine
// only ever makes a run slower).
//
// Data sets: seeded random vectors (uniform in [0, 1)) of each --sizes count, plus, unless
// --no-real, the real SIFT descriptors of ../shared/datasets/ngt-sift5k (4,900 x 128, its
// 100 queries cycled to --queries).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { openVecdex } from '@vecdex/core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

const opts = parseArgs(process.argv.slice(2));
const log = opts.json ? () => {} : (...a) => console.error(...a);

// ---- the hand-written baselines ---------------------------------------------------------------
// The DDL of @vecdex/backend-sqlitevec (src/schema.ts: SCHEMA_V1, V2's content_hash column, V4's
// vector_exp/vector_exact columns, and the per-collection FTS5 table of src/full-text.ts) as of
// this writing, minus the
// two index-catalog tables that ingest and search never touch. The bench compares it with the
// schema vecdex actually created in the same run and warns on any difference, in either direction
// (an index vecdex has on these tables and the baseline lacks is extra work per insert).
const SCHEMA = `
CREATE TABLE vecdex_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE vecdex_collections (
  cid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL, dimensions INTEGER NOT NULL,
  metric TEXT NOT NULL, model TEXT, default_index TEXT, created_at INTEGER NOT NULL);
CREATE TABLE vecdex_items (
  rowid INTEGER PRIMARY KEY, cid INTEGER NOT NULL, id TEXT NOT NULL, content TEXT, metadata TEXT,
  modified INTEGER NOT NULL, UNIQUE (cid, id));
ALTER TABLE vecdex_items ADD COLUMN content_hash TEXT;
ALTER TABLE vecdex_items ADD COLUMN vector_exp INTEGER;
ALTER TABLE vecdex_items ADD COLUMN vector_exact BLOB;
CREATE INDEX vecdex_items_cid ON vecdex_items (cid);
CREATE TABLE vecdex_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, cid INTEGER NOT NULL, item_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')), modified INTEGER NOT NULL, UNIQUE (cid, item_id));
CREATE INDEX vecdex_changes_cid_seq ON vecdex_changes (cid, seq);
`;

function openRawDb(file) {
  const db = new Database(file);
  sqliteVec.load(db);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // As @vecdex/backend-sqlitevec opens file stores (src/open-database.ts, default mmapSizeBytes).
  db.pragma(`mmap_size = ${1024 * 1024 * 1024}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  return db;
}

const blob = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** vec0 only: the floor. */
const rawVec0 = {
  name: 'raw vec0 only',
  async open(file, dim) {
    const db = openRawDb(file);
    db.exec(`CREATE VIRTUAL TABLE vecs USING vec0(embedding float[${dim}] distance_metric=l2)`);
    const insert = db.prepare('INSERT INTO vecs (rowid, embedding) VALUES (?, ?)');
    const knn = db.prepare('SELECT rowid, distance FROM vecs WHERE embedding MATCH ? AND k = ?');
    return {
      db,
      ingestBatch: db.transaction((ds, start, end) => {
        for (let i = start; i < end; i++) insert.run(BigInt(i + 1), blob(ds.vector(i)));
      }).immediate,
      search: async (q, k) => knn.all(blob(q), k).map((r) => ({ id: String(r.rowid - 1), distance: r.distance })),
      close: async () => {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      },
    };
  },
};

/** The backend's schema and statements, by hand. */
const rawSchema = {
  name: 'raw same schema',
  async open(file, dim) {
    const db = openRawDb(file);
    db.exec(SCHEMA);
    const cid = Number(
      db
        .prepare(
          'INSERT INTO vecdex_collections (name, dimensions, metric, model, default_index, created_at) VALUES (?, ?, ?, NULL, NULL, ?)',
        )
        .run('bench', dim, 'l2', Date.now()).lastInsertRowid,
    );
    const vec = `vecdex_vec_${cid}`;
    db.exec(`CREATE VIRTUAL TABLE ${vec} USING vec0(embedding float[${dim}] distance_metric=l2)`);
    const fts = `vecdex_fts_${cid}`;
    db.exec(
      `CREATE VIRTUAL TABLE ${fts} USING fts5(content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
    );
    const find = db.prepare('SELECT rowid FROM vecdex_items WHERE cid = ? AND id = ?').pluck();
    const insertItem = db.prepare(
      'INSERT INTO vecdex_items (cid, id, content, metadata, content_hash, modified, vector_exp, vector_exact) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const updateItem = db.prepare(
      'UPDATE vecdex_items SET content = ?, metadata = ?, content_hash = ?, modified = ?, vector_exp = ?, vector_exact = ? WHERE rowid = ?',
    );
    const unindex = db.prepare(`DELETE FROM ${fts} WHERE rowid = ?`);
    const updateVec = db.prepare(`UPDATE ${vec} SET embedding = ? WHERE rowid = ?`);
    const insertVec = db.prepare(`INSERT INTO ${vec} (rowid, embedding) VALUES (?, ?)`);
    const unlog = db.prepare('DELETE FROM vecdex_changes WHERE cid = ? AND item_id = ?');
    const log = db.prepare('INSERT INTO vecdex_changes (cid, item_id, op, modified) VALUES (?, ?, ?, ?)');
    const getClock = db.prepare(`SELECT value FROM vecdex_meta WHERE key = 'last_modified'`).pluck();
    const setClock = db.prepare(
      `INSERT INTO vecdex_meta (key, value) VALUES ('last_modified', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    const knn = db.prepare(
      `SELECT i.id, i.metadata, v.distance
         FROM (SELECT rowid, distance FROM ${vec} WHERE embedding MATCH ? AND k = ?) v
         JOIN vecdex_items i ON i.rowid = v.rowid
        ORDER BY v.distance`,
    );
    return {
      db,
      ingestBatch: db.transaction((ds, start, end) => {
        // A modified time that never goes backwards, as the backend keeps it.
        const last = Number(getClock.get() ?? 0);
        const modified = Math.max(Date.now(), last);
        setClock.run(String(modified));
        for (let i = start; i < end; i++) {
          const id = String(i);
          const metadata = JSON.stringify(ds.metadata(i));
          const existing = find.get(cid, id);
          const embedding = blob(ds.vector(i));
          if (existing === undefined) {
            const rowid = BigInt(insertItem.run(cid, id, null, metadata, null, modified, null, null).lastInsertRowid);
            insertVec.run(rowid, embedding);
            // (no content, so nothing for full text)
          } else {
            const rowid = BigInt(existing);
            updateItem.run(null, metadata, null, modified, null, null, rowid);
            if (updateVec.run(embedding, rowid).changes === 0) insertVec.run(rowid, embedding);
            unindex.run(rowid);
          }
          unlog.run(cid, id);
          log.run(cid, id, 'upsert', modified);
        }
      }).immediate,
      search: async (q, k) =>
        knn
          .all(blob(q), k)
          .map((r) => ({ id: r.id, distance: r.distance, metadata: r.metadata === null ? null : JSON.parse(r.metadata) })),
      close: async () => {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      },
    };
  },
};

/** vecdex through its public API. */
const vecdex = {
  name: 'vecdex',
  async open(file, dim) {
    const vx = await openVecdex({
      config: {
        backend: { use: '@vecdex/backend-sqlitevec', options: { path: file } },
        dataDir: path.join(path.dirname(file), 'data'),
      },
      env: {},
      resolvePaths: [HERE],
    });
    await vx.collections.create({ name: 'bench', dimensions: dim, metric: 'l2' });
    const col = vx.collection('bench');
    return {
      vx,
      ingestBatch: async (ds, start, end) => {
        const items = [];
        for (let i = start; i < end; i++) items.push({ id: String(i), vector: ds.vector(i), metadata: ds.metadata(i) });
        await col.upsert(items);
      },
      search: (q, k) => col.similar(q, { k }),
      close: () => vx.close(),
    };
  },
};

const ALL_VARIANTS = { 'raw-vec0': rawVec0, raw: rawSchema, vecdex };
const VARIANTS = opts.variants.map(
  (v) => ALL_VARIANTS[v] ?? usage(`unknown variant ${v} (known: ${Object.keys(ALL_VARIANTS).join(', ')})`),
);

// ---- data ------------------------------------------------------------------------------------------

function randomDataset(n, dim, nq, seed) {
  const rand = mulberry32(seed);
  const base = new Float32Array(n * dim);
  for (let i = 0; i < base.length; i++) base[i] = rand();
  const queries = [];
  for (let q = 0; q < nq; q++) queries.push(Float32Array.from({ length: dim }, rand));
  return makeDataset(`random ${fmtInt(n)}`, base, n, dim, queries);
}

function siftDataset(nq) {
  for (const dir of [process.env.VECDEX_DATASETS, path.resolve(ROOT, '../shared/datasets'), '/work/shared/datasets'].filter(
    Boolean,
  )) {
    const d = path.join(dir, 'ngt-sift5k');
    if (!fs.existsSync(path.join(d, 'base.fvecs'))) continue;
    const base = readFvecs(path.join(d, 'base.fvecs'));
    const qs = readFvecs(path.join(d, 'query.fvecs'));
    const queries = [];
    for (let i = 0; i < nq; i++) queries.push(qs.vectors[i % qs.n]);
    return makeDataset('sift5k (real)', base.flat, base.n, base.dim, queries);
  }
  log('(ngt-sift5k not found: no real-data row)');
  return null;
}

function makeDataset(name, flat, n, dim, queries) {
  return {
    name,
    n,
    dim,
    queries,
    vector: (i) => flat.subarray(i * dim, (i + 1) * dim),
    metadata: (i) => ({ bucket: i % 10, n: i }),
  };
}

function readFvecs(file) {
  const buf = fs.readFileSync(file);
  const dim = buf.readInt32LE(0);
  const n = buf.byteLength / (4 + 4 * dim);
  const flat = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) flat[i * dim + j] = buf.readFloatLE(i * (4 + 4 * dim) + 4 + 4 * j);
  }
  const vectors = Array.from({ length: n }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
  return { n, dim, flat, vectors };
}

// ---- one run -----------------------------------------------------------------------------------------

async function runOnce(variant, ds, dir) {
  const file = path.join(dir, `${variant.name.replace(/\W+/g, '-')}.db`);
  const h = await variant.open(file, ds.dim);
  try {
    globalThis.gc?.();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let start = 0; start < ds.n; start += opts.batch) await h.ingestBatch(ds, start, Math.min(start + opts.batch, ds.n));
    const ingestMs = performance.now() - t0;
    const ingestCpuMs = cpuMs(process.cpuUsage(c0));
    // Search every variant in the same state: WAL checkpointed into the database file. (Where the
    // last automatic checkpoint happened to fall otherwise decides whether vec0's chunk blobs are
    // read from the page cache or with a pread() per overflow page: up to 2x on search latency.)
    checkpoint(file);

    const warm = Math.min(10, ds.queries.length);
    for (let i = 0; i < warm; i++) await h.search(ds.queries[i], opts.k);
    globalThis.gc?.();
    const lat = [];
    let first = null;
    const c1 = process.cpuUsage();
    for (const q of ds.queries) {
      const s = performance.now();
      const hits = await h.search(q, opts.k);
      lat.push(performance.now() - s);
      if (first === null) first = hits;
    }
    const searchCpuMs = cpuMs(process.cpuUsage(c1)) / ds.queries.length;
    lat.sort((a, b) => a - b);
    return {
      ingestMs,
      ingestRate: (ds.n / ingestMs) * 1000,
      ingestCpuMs,
      searchCpuMs,
      p50: lat[Math.floor(lat.length / 2)],
      mean: lat.reduce((a, b) => a + b, 0) / lat.length,
      firstIds: first.map((x) => x.id),
      schema: variant === rawVec0 ? null : schemaOfFile(file),
    };
  } finally {
    await h.close();
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
}

/** Checkpoint and truncate the WAL from a second connection (the variant's own is idle). */
function checkpoint(file) {
  const db = new Database(file);
  try {
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)');
    if (r.busy !== 0) throw new Error(`checkpoint of ${file} was blocked`);
  } finally {
    db.close();
  }
}

/** user + system CPU time of this process, in ms. */
function cpuMs(u) {
  return (u.user + u.system) / 1000;
}

/**
 * name -> { def: definition (whitespace-normalised), table } of the tables and indexes in a file,
 * without vec0's shadow tables.
 */
function schemaOfFile(file) {
  const db = new Database(file, { readonly: true });
  try {
    sqliteVec.load(db);
    const out = new Map();
    for (const r of db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL').all()) {
      if (/^sqlite_/.test(r.name) || /^vecdex_vec_\d+_/.test(r.name)) continue;
      const sql = r.sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
      out.set(r.name.replace(/^vecdex_vec_\d+$/, 'vecdex_vec_N'), {
        def: `${r.type}: ${sql.replace(/vecdex_vec_\d+/g, 'vecdex_vec_N')}`,
        table: r.tbl_name.replace(/^vecdex_vec_\d+$/, 'vecdex_vec_N'),
      });
    }
    return out;
  } finally {
    db.close();
  }
}

/** Tables of vecdex's schema that neither ingest nor search touch, so the baseline leaves them out. */
const NOT_MIRRORED = new Set(['vecdex_indexes', 'vecdex_index_state']);

/**
 * Differences between the raw baseline's schema and vecdex's: every table and index of the
 * baseline, and every one of vecdex's except those on the tables in NOT_MIRRORED.
 */
function schemaDiff(raw, vx) {
  const diffs = [];
  for (const [name, { def }] of raw) {
    const theirs = vx.get(name)?.def;
    if (theirs !== def) diffs.push(`${name}:\n    raw:    ${def}\n    vecdex: ${theirs ?? '(missing)'}`);
  }
  for (const [name, { def, table }] of vx) {
    if (!raw.has(name) && !NOT_MIRRORED.has(table)) diffs.push(`${name}:\n    raw:    (missing)\n    vecdex: ${def}`);
  }
  return diffs;
}

// ---- main ------------------------------------------------------------------------------------------

const datasets = [];
if (opts.real) {
  const sift = siftDataset(opts.queries);
  if (sift) datasets.push(() => sift);
}
for (const n of opts.sizes) datasets.push(() => randomDataset(n, opts.dim, opts.queries, 1000 + n));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-'));
const results = [];
const warnings = [];
try {
  // Warm up: JIT-compile every variant's code path before anything is measured.
  if (opts.warmup) {
    const small = randomDataset(2000, opts.dim, 20, 7);
    for (const v of VARIANTS) await runOnce(v, small, tmp);
    log('(warm-up done)');
  }
  for (const make of datasets) {
    const ds = make();
    const runs = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
    for (let r = 0; r < opts.repeats; r++) {
      const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) {
        const res = await runOnce(v, ds, tmp);
        runs[v.name].push(res);
        log(
          `${ds.name.padEnd(14)} #${r + 1} ${v.name.padEnd(16)} ingest ${fmtInt(res.ingestRate).padStart(8)} vec/s  search p50 ${res.p50.toFixed(3)} ms, mean ${res.mean.toFixed(3)} ms`,
        );
      }
    }
    // Same answers? (distances are the same computation, so ids agree unless there are ties)
    const ids = VARIANTS.map((v) => runs[v.name][0].firstIds.join(','));
    if (new Set(ids).size !== 1) warnings.push(`${ds.name}: the variants disagree on query 0's top-${opts.k} ids (ties?)`);
    const diffs =
      !runs[rawSchema.name]?.length || !runs[vecdex.name]?.length
        ? []
        : schemaDiff(runs[rawSchema.name][0].schema, runs[vecdex.name][0].schema);
    if (diffs.length > 0) warnings.push(`${ds.name}: the raw baseline's schema differs from vecdex's:\n  ${diffs.join('\n  ')}`);
    const best = (name) => {
      const rs = runs[name];
      return {
        ingestRate: Math.max(...rs.map((x) => x.ingestRate)),
        p50: Math.min(...rs.map((x) => x.p50)),
        mean: Math.min(...rs.map((x) => x.mean)),
        ingestCpuMs: Math.min(...rs.map((x) => x.ingestCpuMs)),
        searchCpuMs: Math.min(...rs.map((x) => x.searchCpuMs)),
        runs: rs.map(({ ingestMs, ingestRate, ingestCpuMs, p50, mean, searchCpuMs }) => ({
          ingestMs,
          ingestRate,
          ingestCpuMs,
          p50,
          mean,
          searchCpuMs,
        })),
      };
    };
    const row = { dataset: ds.name, n: ds.n, dim: ds.dim, queries: ds.queries.length, k: opts.k };
    for (const v of VARIANTS) row[v.name] = best(v.name);
    const raw = row[rawSchema.name];
    const vx = row[vecdex.name];
    if (raw && vx) {
      row.overhead = {
        ingest: raw.ingestRate / vx.ingestRate,
        p50: vx.p50 / raw.p50,
        mean: vx.mean / raw.mean,
        ingestCpu: vx.ingestCpuMs / raw.ingestCpuMs,
        searchCpu: vx.searchCpuMs / raw.searchCpuMs,
      };
    }
    results.push(row);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const meta = {
  node: process.version,
  sqlite: (() => {
    const db = new Database(':memory:');
    sqliteVec.load(db);
    const v = db.prepare('SELECT sqlite_version() AS s, vec_version() AS v').get();
    db.close();
    return `SQLite ${v.s}, sqlite-vec ${v.v}`;
  })(),
  cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
  repeats: opts.repeats,
  batch: opts.batch,
};

if (opts.json) {
  console.log(JSON.stringify({ meta, results, warnings }, null, 2));
} else {
  printTable(results);
  for (const w of warnings) console.log(`\nwarning: ${w}`);
}

// ---- output ------------------------------------------------------------------------------------------

function printTable(rows) {
  console.log(
    `\nvecdex on sqlite-vec vs hand-written better-sqlite3 + sqlite-vec (${meta.sqlite}, Node ${meta.node}, ${meta.cpus})`,
  );
  console.log(
    `ingest in batches of ${fmtInt(opts.batch)} (one transaction each); exact search k=${opts.k}, ${opts.queries} queries; best of ${opts.repeats} runs, order alternating\n`,
  );
  const header = [
    'data',
    'n x dim',
    'variant',
    'ingest vec/s',
    'ingest cpu µs/vec',
    'search p50 ms',
    'search mean ms',
    'search cpu ms/q',
  ];
  const lines = [];
  for (const r of rows) {
    VARIANTS.forEach((v, i) => {
      const x = r[v.name];
      lines.push([
        i === 0 ? r.dataset : '',
        i === 0 ? `${fmtInt(r.n)} x ${r.dim}` : '',
        v.name,
        fmtInt(x.ingestRate),
        fmt3((x.ingestCpuMs * 1000) / r.n),
        fmt3(x.p50),
        fmt3(x.mean),
        fmt3(x.searchCpuMs),
      ]);
    });
    const o = r.overhead;
    if (o)
      lines.push(['', '', 'vecdex / raw', ratio(o.ingest), ratio(o.ingestCpu), ratio(o.p50), ratio(o.mean), ratio(o.searchCpu)]);
    lines.push(null);
  }
  const all = [header, ...lines.filter(Boolean)];
  const w = header.map((_, c) => Math.max(...all.map((l) => l[c].length)));
  const fmt = (l) =>
    l
      .map((s, c) => (c >= 3 ? s.padStart(w[c]) : s.padEnd(w[c])))
      .join('  ')
      .trimEnd();
  console.log(fmt(header));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const l of lines) console.log(l === null ? '' : fmt(l));
  console.log(
    'vecdex / raw: vecdex time over "raw same schema" time (wall clock, or CPU time of this process); 1.00x = no overhead.',
  );
  const over = rows
    .filter((r) => r.overhead)
    .flatMap((r) =>
      [
        ['ingest', 'ingest'],
        ['ingestCpu', 'ingest cpu'],
        ['p50', 'search p50'],
        ['mean', 'search mean'],
        ['searchCpu', 'search cpu'],
      ]
        .filter(([m]) => r.overhead[m] > 1.1)
        .map(([m, label]) => `${r.dataset} ${label} ${ratio(r.overhead[m])}`),
    );
  if (rows.some((r) => r.overhead)) {
    console.log(
      over.length === 0 ? 'target (< 10% overhead): met everywhere' : `target (< 10% overhead) missed: ${over.join('; ')}`,
    );
  }
}

function ratio(x) {
  return `${x.toFixed(2)}x`;
}
function fmt3(x) {
  return x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(1);
}
function fmtInt(x) {
  return Math.round(x).toLocaleString('en');
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseArgs(argv) {
  const o = {
    sizes: [10_000, 100_000],
    queries: 200,
    repeats: 3,
    dim: 128,
    batch: 1000,
    k: 10,
    real: true,
    warmup: true,
    json: false,
    variants: ['raw-vec0', 'raw', 'vecdex'],
  };
  const int = (name, s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer, got ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sizes')
      o.sizes = val()
        .split(',')
        .filter(Boolean)
        .map((s) => int('--sizes', s.replace(/_/g, '')));
    else if (a === '--queries') o.queries = int(a, val());
    else if (a === '--repeats') o.repeats = int(a, val());
    else if (a === '--dim') o.dim = int(a, val());
    else if (a === '--batch') o.batch = int(a, val());
    else if (a === '--k') o.k = int(a, val());
    else if (a === '--no-real') o.real = false;
    else if (a === '--no-warmup') o.warmup = false;
    else if (a === '--variants') o.variants = val().split(',').filter(Boolean);
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function usage(err) {
  const text =
    'usage: node bench/sqlitevec-overhead.mjs [--sizes 10000,100000] [--queries 200] [--repeats 3] [--dim 128] [--batch 1000] [--k 10] [--no-real] [--no-warmup] [--variants raw-vec0,raw,vecdex] [--json]';
  if (err) {
    console.error(`${err}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}
