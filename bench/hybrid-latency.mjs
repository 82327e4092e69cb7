#!/usr/bin/env node
// Hybrid (keyword + vector) search latency beside vector-only and keyword-only, on real data.
//
//   node bench/hybrid-latency.mjs [--base 20000] [--queries 200] [--k 10] [--json]
//
// Data: Fashion-MNIST train images (784-d, l2) as the vectors. Fashion-MNIST has no text, so
// each item's `content` is derived from the image itself, deterministically: its class name
// ("ankle boot", "dress", ...) and three words describing the pixels (tone from mean brightness,
// build from inked area, finish from the share of bright pixels, each split in terciles over
// the base). A query (a t10k image) gets the text "<its class name> <its tone>".
//
// Rows: exact and hnswlib (M 16, efConstruction 200, efSearch 64) vector search; keyword-only
// (SQLite FTS5, bm25); hybrid = both, fused with Reciprocal Rank Fusion (k 60, 50 candidates a
// side). Latency is per query through the collection API (metadata included), mean / p50 / p95,
// after 20 warm-up queries. "label p@k" is the share of hits with the query's true class: a
// quality hint only (the text names the class, so keyword search is partly an oracle here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { DIMENSIONS, ensureFashionMnist, loadFashionMnist, readIdx, DATA_DIR, row } from './lib/fashion-mnist.mjs';

const CLASSES = ['t-shirt top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];
const args = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);
const now = () => performance.now();

function describeImage(v) {
  let sum = 0;
  let inked = 0;
  let bright = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i];
    if (v[i] > 0) inked++;
    if (v[i] > 200) bright++;
  }
  return { mean: sum / v.length, inked: inked / v.length, bright: bright / v.length };
}

function terciles(values) {
  const s = [...values].sort((a, b) => a - b);
  return [s[Math.floor(s.length / 3)], s[Math.floor((2 * s.length) / 3)]];
}
const pick = (x, [a, b], words) => (x < a ? words[0] : x < b ? words[1] : words[2]);

async function main() {
  ensureFashionMnist(undefined, log);
  const data = loadFashionMnist({ base: args.base, queries: args.queries + 20 });
  const testLabels = readIdx(path.join(DATA_DIR, 't10k-labels-idx1-ubyte.gz')).data;
  const N = data.baseCount;
  const stats = Array.from({ length: N }, (_, i) => describeImage(row(data.base, i)));
  const cuts = {
    mean: terciles(stats.map((s) => s.mean)),
    inked: terciles(stats.map((s) => s.inked)),
    bright: terciles(stats.map((s) => s.bright)),
  };
  const tone = (s) => pick(s.mean, cuts.mean, ['dark', 'grey', 'light']);
  const content = (label, s) =>
    `${CLASSES[label]} ${tone(s)} ${pick(s.inked, cuts.inked, ['slim', 'regular', 'wide'])} ${pick(s.bright, cuts.bright, ['matte', 'mixed', 'shiny'])}`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-hybrid-'));
  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
      plugins: [hnswlib],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
  });
  const rows = [];
  try {
    await vx.collections.create({ name: 'fm', dimensions: DIMENSIONS, metric: 'l2' });
    const col = vx.collection('fm');
    log(`loading ${N} items ...`);
    for (let i = 0; i < N; i += 2000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 2000); j++) {
        batch.push({
          id: String(j),
          vector: row(data.base, j),
          content: content(data.baseLabels[j], stats[j]),
          metadata: { label: data.baseLabels[j] },
        });
      }
      await col.upsert(batch);
    }
    log('building hnswlib ...');
    await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['fm'], params: { M: 16, efConstruction: 200 } });
    await vx.indexes.build('ix');
    const queries = Array.from({ length: data.queryCount }, (_, q) => {
      const v = row(data.queries, q);
      return { v, label: testLabels[q], text: `${CLASSES[testLabels[q]]} ${tone(describeImage(v))}` };
    });
    const variants = [
      ['vector, exact', (q) => col.similar(q.v, { k: args.k, exact: true })],
      ['vector, hnswlib', (q) => col.similar(q.v, { k: args.k, index: 'ix' })],
      ['keyword (FTS5 bm25)', (q) => col.search({ text: q.text, k: args.k }).then((r) => r.hits)],
      ['hybrid, exact + keyword', (q) => col.search({ text: q.text, vector: q.v, k: args.k, exact: true }).then((r) => r.hits)],
      ['hybrid, hnswlib + keyword', (q) => col.search({ text: q.text, vector: q.v, k: args.k, index: 'ix' }).then((r) => r.hits)],
    ];
    for (const [name, run] of variants) {
      for (const q of queries.slice(0, 20)) await run(q);
      const ms = [];
      let same = 0;
      for (const q of queries.slice(20)) {
        const t = now();
        const hits = await run(q);
        ms.push(now() - t);
        same += hits.filter((h) => h.metadata?.label === q.label).length / args.k;
      }
      ms.sort((a, b) => a - b);
      const r = {
        variant: name,
        mean: avg(ms),
        p50: ms[Math.floor(ms.length / 2)],
        p95: ms[Math.floor(ms.length * 0.95)],
        qps: 1000 / avg(ms),
        labelPrecision: same / ms.length,
      };
      rows.push(r);
      log(`  ${name}: ${r.mean.toFixed(2)} ms`);
    }
  } finally {
    await vx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (args.json) {
    console.log(JSON.stringify({ base: N, queries: args.queries, k: args.k, rows }, null, 2));
    return;
  }
  console.log(
    `\nHybrid search latency, Fashion-MNIST ${N} × ${DIMENSIONS} (l2) with derived text, ${args.queries} queries, k = ${args.k}\n`,
  );
  const headers = ['variant', 'ms mean', 'ms p50', 'ms p95', 'QPS', `label p@${args.k}`];
  const body = rows.map((r) => [
    r.variant,
    r.mean.toFixed(2),
    r.p50.toFixed(2),
    r.p95.toFixed(2),
    r.qps.toFixed(0),
    r.labelPrecision.toFixed(3),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;

function parseArgs(argv) {
  const o = { base: 20_000, queries: 200, k: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--base') o.base = Number(argv[++i]);
    else if (a === '--queries') o.queries = Number(argv[++i]);
    else if (a === '--k') o.k = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

await main();
