#!/usr/bin/env node
// vecdex quickstart: store real vectors in one SQLite file (sqlite-vec), search them, filter,
// get, delete, read the change feed, then embed a few notes and ask them a question in words,
// all through the public API of @vecdex/core.
//
//   node examples/quickstart/quickstart.mjs [--db FILE] [--keep]
//
// Data: the 4,900 real 128-d SIFT descriptors of ../shared/datasets/ngt-sift5k (with its 100
// held-out queries and exact ground truth) when that directory exists; otherwise seeded random
// vectors of the same shape, with ground truth computed here. `VECDEX_DATASETS` names another
// datasets directory. The database goes to a temporary directory unless --db is given, and is
// removed at the end unless --keep is given.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHashingProvider, distance, ingest, openVecdex } from '@vecdex/core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const K = 10;

const args = parseArgs(process.argv.slice(2));
const t0 = performance.now();

// ---- 1. data --------------------------------------------------------------------------------
const data = loadData();
console.log(`data: ${data.source}`);
console.log(
  `      ${data.base.length.toLocaleString('en')} base vectors, ${data.queries.length} queries, ${data.dim} dimensions, l2\n`,
);

// ---- 2. open a store ----------------------------------------------------------------------------
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-quickstart-'));
const dbPath = args.db ? path.resolve(args.db) : path.join(workDir, 'quickstart.db');
const vx = await openVecdex({
  config: {
    backend: { use: '@vecdex/backend-sqlitevec', options: { path: dbPath } },
    dataDir: path.join(workDir, 'data'),
  },
  // Plugins are resolved from the project that uses vecdex: here, this example's package.
  resolvePaths: [HERE],
});
console.log(`store: ${dbPath} (backend ${vx.backend.name})`);

try {
  // ---- 3. a collection, and the vectors in it -----------------------------------------------------
  const name = 'sift';
  if ((await vx.collections.list()).some((c) => c.name === name)) await vx.collections.delete(name);
  await vx.collections.create({ name, dimensions: data.dim, metric: 'l2' });
  const sift = vx.collection(name);

  const tImport = performance.now();
  const BATCH = 1000;
  for (let start = 0; start < data.base.length; start += BATCH) {
    const items = [];
    for (let i = start; i < Math.min(start + BATCH, data.base.length); i++) {
      items.push({
        id: String(i),
        vector: data.base[i],
        metadata: { bucket: i % 5, half: i < data.base.length / 2 ? 'first' : 'second' },
      });
    }
    await sift.upsert(items); // one transaction per batch: all or nothing
  }
  const importMs = performance.now() - tImport;
  const count = await sift.count();
  console.log(
    `imported ${count.toLocaleString('en')} items in ${fmtMs(importMs)} (${Math.round((count / importMs) * 1000).toLocaleString('en')} vectors/s)\n`,
  );
  check(count === data.base.length, `count is ${count}, expected ${data.base.length}`);

  // ---- 4. exact search, measured against the ground truth -----------------------------------------
  let found = 0;
  const tSearch = performance.now();
  const hitsPerQuery = [];
  for (const q of data.queries) hitsPerQuery.push(await sift.similar(q, { k: K }));
  const searchMs = performance.now() - tSearch;
  for (let qi = 0; qi < data.queries.length; qi++) {
    const truth = new Set(data.groundTruth[qi].slice(0, K).map(String));
    found += hitsPerQuery[qi].filter((h) => truth.has(h.id)).length;
  }
  const recall = found / (data.queries.length * K);
  console.log(
    `exact search: ${data.queries.length} queries, k=${K}: ${fmtMs(searchMs / data.queries.length)} per query; recall@${K} against the ground truth = ${recall.toFixed(4)}`,
  );
  check(recall === 1, `recall@${K} of exact search is ${recall}, expected 1.0`);

  console.log('\nquery 0, nearest 5 (vecdex result beside the ground truth):');
  const gtDist = data.groundTruthDistances?.[0];
  table(
    ['rank', 'id', 'distance', 'metadata', 'truth id', 'truth distance'],
    hitsPerQuery[0]
      .slice(0, 5)
      .map((h, r) => [
        r + 1,
        h.id,
        h.distance.toFixed(3),
        JSON.stringify(h.metadata),
        data.groundTruth[0][r],
        gtDist ? Math.sqrt(gtDist[r]).toFixed(3) : '',
      ]),
  );

  // ---- 5. a metadata filter -----------------------------------------------------------------------
  const filter = { bucket: 3, half: 'second' };
  const filtered = await sift.similar(data.queries[0], { k: 5, filter });
  // Check it by brute force over the matching items.
  const expected = data.base
    .map((v, i) => ({ id: String(i), d: distance('l2', data.queries[0], v) }))
    .filter(({ id }) => Number(id) % 5 === 3 && Number(id) >= data.base.length / 2)
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map((e) => e.id);
  console.log(`\nfiltered search ${JSON.stringify(filter)}, k=5 (${await sift.count(filter)} items match):`);
  table(
    ['rank', 'id', 'distance', 'metadata'],
    filtered.map((h, r) => [r + 1, h.id, h.distance.toFixed(3), JSON.stringify(h.metadata)]),
  );
  check(
    filtered.length === 5 && filtered.every((h, i) => h.id === expected[i]),
    `filtered hits ${filtered.map((h) => h.id)} differ from brute force ${expected}`,
  );
  console.log('  = the brute-force answer over the matching items');

  // ---- 6. get, search by id, delete -----------------------------------------------------------------
  const top = hitsPerQuery[0][0];
  const item = await sift.get(top.id);
  console.log(
    `\nget("${top.id}"): vector of ${item.vector.length} floats [${[...item.vector.slice(0, 4)].join(', ')}, ...], metadata ${JSON.stringify(item.metadata)}, modified ${new Date(item.modified).toISOString()}`,
  );
  const neighbours = await sift.similar(top.id, { k: 3 });
  console.log(`similar("${top.id}", k=3): ${neighbours.map((h) => `${h.id} (${h.distance.toFixed(1)})`).join(', ')}`);

  const deleted = await sift.delete([top.id, 'no-such-id']);
  const after = await sift.similar(data.queries[0], { k: K });
  console.log(
    `delete(["${top.id}", "no-such-id"]) -> ${deleted} deleted; query 0's top hit is now ${after[0].id}; get("${top.id}") -> ${await sift.get(top.id)}`,
  );
  check(deleted === 1 && !after.some((h) => h.id === top.id), 'the deleted item is still found');
  check(after[0].distance === hitsPerQuery[0][1].distance, 'the second hit did not move up');

  // ---- 7. the change feed -----------------------------------------------------------------------------
  // One entry per item (its latest write), in commit order; a cursor continues where a reader stopped.
  let cursor = null;
  let upserts = 0;
  let tombstones = 0;
  let last = [];
  for (;;) {
    const batch = await sift.changes(cursor, { limit: 1000, vectors: false });
    for (const c of batch.changes) c.op === 'delete' ? tombstones++ : upserts++;
    if (batch.changes.length > 0) last = batch.changes.slice(-3);
    cursor = batch.cursor;
    if (batch.done) break;
  }
  console.log(
    `\nchange feed from the start: ${upserts} upserts + ${tombstones} tombstone; cursor now ${JSON.stringify(cursor)}; last entries:`,
  );
  table(
    ['op', 'id', 'modified'],
    last.map((c) => [c.op, c.id, new Date(c.modified).toISOString()]),
  );
  check(upserts === data.base.length - 1 && tombstones === 1, 'unexpected change feed contents');
  await sift.upsert([{ id: top.id, vector: data.base[Number(top.id)], metadata: { restored: true } }]);
  const next = await sift.changes(cursor, { vectors: false });
  console.log(
    `after re-inserting "${top.id}": changes(cursor) -> ${next.changes.map((c) => `${c.op} ${c.id} ${JSON.stringify(c.item?.metadata)}`).join(', ')}`,
  );
  check(next.changes.length === 1 && next.changes[0].op === 'upsert', 'the change feed did not report the re-insert');

  // ---- 8. text in, answers out ------------------------------------------------------------------------
  // Embed a few notes with the offline hashing provider (the collection records its model), then
  // ask in words: the question is embedded with the same model and searched like a vector.
  const notesReport = await ingest(vx, {
    collection: 'notes',
    provider: createHashingProvider(),
    storeContent: true,
    records: [
      { id: 'keys', text: 'Rotate the API keys every ninety days with the vault command line tool.' },
      { id: 'coat', text: 'The wool coat hangs in the hall closet next to the umbrellas.' },
      { id: 'shopping', text: 'Buy oat milk, rye bread and apples at the market on Saturday.' },
      { id: 'deploy', text: 'Deploy the server by tagging a release; the pipeline builds and ships it.' },
    ],
  });
  const notes = vx.collection('notes');
  const question = 'how do I rotate the keys?';
  const answer = await notes.search({ text: question, mode: 'vector', k: 2 });
  console.log(
    `\nembedded ${notesReport.embedded} notes with ${notesReport.model}; similar({ text: "${question}" }): ${answer.hits.map((h) => `${h.id} (${h.distance.toFixed(3)})`).join(', ')}; its vector came from: ${answer.plan.embedding.source}`,
  );
  check(answer.hits[0]?.id === 'keys', `the question about keys found ${answer.hits[0]?.id}`);
  const hybrid = await notes.search({ text: 'wool coat', k: 2 });
  console.log(`search({ text: "wool coat" }), ${hybrid.plan.strategy}: ${hybrid.hits.map((h) => h.id).join(', ')}`);
  check(hybrid.plan.strategy === 'hybrid' && hybrid.hits[0]?.id === 'coat', 'hybrid search did not find the coat');
  const again = await notes.search({ text: question, mode: 'vector', k: 2 });
  const cache = await vx.queryCache.stats();
  console.log(
    `asked again: from the ${again.plan.embedding.source} cache (memory hits ${cache.memory.hits}, misses ${cache.memory.misses})`,
  );
  check(again.plan.embedding.source === 'memory', 'the repeated question was not served by the query cache');

  console.log(`\nquickstart OK in ${fmtMs(performance.now() - t0)}`);
} finally {
  await vx.close();
  if (args.keep) console.log(`kept ${dbPath}`);
  else fs.rmSync(workDir, { recursive: true, force: true });
}

// ---- helpers ------------------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { db: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db') out.db = argv[++i];
    else if (argv[i] === '--keep') out.keep = true;
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: node examples/quickstart/quickstart.mjs [--db FILE] [--keep]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  if (out.db) out.keep = true;
  return out;
}

function loadData() {
  const candidates = [process.env.VECDEX_DATASETS, path.resolve(ROOT, '../shared/datasets'), '/work/shared/datasets'].filter(
    Boolean,
  );
  for (const dir of candidates) {
    const d = path.join(dir, 'ngt-sift5k');
    if (fs.existsSync(path.join(d, 'base.fvecs'))) {
      return {
        source: `real SIFT descriptors from ${d}`,
        dim: 128,
        base: readVecs(path.join(d, 'base.fvecs'), Float32Array),
        queries: readVecs(path.join(d, 'query.fvecs'), Float32Array),
        groundTruth: readVecs(path.join(d, 'groundtruth.ivecs'), Int32Array).map((a) => [...a]),
        groundTruthDistances: readVecs(path.join(d, 'groundtruth_distances.fvecs'), Float32Array),
      };
    }
  }
  // No dataset here: seeded random vectors of the same shape, ground truth by brute force.
  const rand = mulberry32(42);
  const gen = (n) => Array.from({ length: n }, () => Float32Array.from({ length: 128 }, () => Math.floor(rand() * 256)));
  const base = gen(4900);
  const queries = gen(20);
  const groundTruth = queries.map((q) =>
    base
      .map((v, i) => ({ i, d: distance('l2', q, v) }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, K)
      .map((e) => e.i),
  );
  return {
    source: 'seeded random vectors (ngt-sift5k not found; set VECDEX_DATASETS to the datasets directory for real data)',
    dim: 128,
    base,
    queries,
    groundTruth,
    groundTruthDistances: null,
  };
}

/** .fvecs / .ivecs: per record an int32 dimension, then that many float32 / int32 values. */
function readVecs(file, Type) {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = [];
  for (let off = 0; off < buf.byteLength; ) {
    const dim = view.getInt32(off, true);
    off += 4;
    const v = new Type(dim);
    for (let j = 0; j < dim; j++, off += 4) v[j] = Type === Float32Array ? view.getFloat32(off, true) : view.getInt32(off, true);
    out.push(v);
  }
  return out;
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

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r) =>
    `  ${r.map((s, c) => (/^-?[\d.]+$/.test(s) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ')}`.trimEnd();
  console.log(line(cells[0]));
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of cells.slice(1)) console.log(line(r));
}

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

function check(ok, message) {
  if (!ok) {
    console.error(`quickstart: FAILED: ${message}`);
    process.exitCode = 1;
    throw new Error(message);
  }
}
