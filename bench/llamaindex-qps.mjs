#!/usr/bin/env node
// @vecdex/llamaindex against LlamaIndex's own stores, on the same nodes, in one run.
//
//   node bench/llamaindex-qps.mjs [--nodes 5000] [--dims 256] [--queries 300] [--k 10]
//                                 [--pg-url postgres://...] [--markdown]
//
// The same --nodes TextNodes (deterministic clustered vectors, metadata { n, group: n % 10 }, four
// nodes per source document, as a splitter makes them)
// are added to each store through LlamaIndex's BaseVectorStore interface (`add`), then --queries
// query vectors (perturbed copies of stored ones) are asked through `query()` (mode default, top
// --k), once without and once with a metadata filter (group == 3, a tenth of the nodes). Stores:
//   SimpleVectorStore                LlamaIndex's in-memory store (exact scan in JS)
//   vecdex sqlite-vec, exact         VecdexVectorStore on @vecdex/backend-sqlitevec
//   vecdex sqlite-vec + hnswlib      the same collection with an hnswlib index (M 16, ef 64) as default
//   vecdex pgvector, exact           VecdexVectorStore on @vecdex/backend-pgvector   (with --pg-url)
//   PGVectorStore (@llamaindex/postgres) LlamaIndex's own PostgreSQL store, exact   (with --pg-url)
// QPS is queries per second, one at a time; recall@k is against SimpleVectorStore's exact
// answers (vecdex's cosine and LlamaIndex's agree up to float rounding); add is nodes/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGVectorStore } from '@llamaindex/postgres';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { VecdexVectorStore } from '@vecdex/llamaindex';
import { BaseEmbedding, NodeRelationship, SimpleVectorStore, TextNode, VectorStoreQueryMode } from 'llamaindex';
import { markdownTable, qpsText, textTable } from './lib/text-table.mjs';

const opts = parseArgs(process.argv.slice(2));
const pgUrl = opts.pgUrl ?? process.env.VECDEX_TEST_PG_URL;

/** Never called: every node comes with its embedding and queries pass theirs. */
class NoEmbedding extends BaseEmbedding {
  async getTextEmbedding() {
    throw new Error('the benchmark passes embeddings');
  }
}
const embedModel = new NoEmbedding();

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const centers = Array.from({ length: 50 }, () => Array.from({ length: opts.dims }, () => rand() * 2 - 1));
const vectors = Array.from({ length: opts.nodes }, (_, i) => centers[i % 50].map((c) => c + (rand() - 0.5) * 0.8));
const queries = Array.from({ length: opts.queries }, (_, i) =>
  vectors[(i * 7919) % opts.nodes].map((x) => x + (rand() - 0.5) * 0.3),
);
const makeNodes = () =>
  vectors.map(
    (embedding, n) =>
      new TextNode({
        id_: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        text: `node ${n} of group ${n % 10}`,
        metadata: { n, group: n % 10 },
        embedding,
        relationships: { [NodeRelationship.SOURCE]: { nodeId: `doc-${Math.floor(n / 4)}` } },
      }),
  );
const filters = { filters: [{ key: 'group', value: 3, operator: '==' }] };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-llamaindex-bench-'));
const cleanups = [];
const rows = [];
let truth = null;
let truthFiltered = null;

async function measure(label, store, after) {
  const nodes = makeNodes();
  let t0 = performance.now();
  for (let i = 0; i < nodes.length; i += 500) await store.add(nodes.slice(i, i + 500));
  const addRate = nodes.length / ((performance.now() - t0) / 1000);
  if (after) await after();
  const ask = async (filtered) => {
    const answers = [];
    for (const q of queries.slice(0, 10))
      await store.query({
        queryEmbedding: q,
        similarityTopK: opts.k,
        mode: VectorStoreQueryMode.DEFAULT,
        ...(filtered ? { filters } : {}),
      });
    t0 = performance.now();
    for (const q of queries) {
      const r = await store.query({
        queryEmbedding: q,
        similarityTopK: opts.k,
        mode: VectorStoreQueryMode.DEFAULT,
        ...(filtered ? { filters } : {}),
      });
      answers.push(r.ids);
    }
    return { qps: queries.length / ((performance.now() - t0) / 1000), answers };
  };
  const plain = await ask(false);
  const filtered = await ask(true);
  truth ??= plain.answers;
  truthFiltered ??= filtered.answers;
  const recall = (answers, exact) => {
    let hit = 0;
    for (let i = 0; i < answers.length; i++) {
      const want = new Set(exact[i]);
      hit += answers[i].filter((id) => want.has(id)).length;
    }
    return (hit / (answers.length * opts.k)).toFixed(3);
  };
  rows.push([
    label,
    qpsText(addRate),
    qpsText(plain.qps),
    recall(plain.answers, truth),
    qpsText(filtered.qps),
    recall(filtered.answers, truthFiltered),
  ]);
  console.error(`${label}: ${plain.qps.toFixed(0)} QPS, filtered ${filtered.qps.toFixed(0)} QPS`);
}

try {
  await measure('SimpleVectorStore (LlamaIndex, memory)', new SimpleVectorStore({ embedModel }));

  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'bench.db') } },
      plugins: [hnswlib],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
  });
  cleanups.push(() => vx.close());
  await measure('vecdex sqlite-vec, exact', new VecdexVectorStore({ vecdex: vx, collection: 'exact', embedModel }));
  await measure(
    'vecdex sqlite-vec + hnswlib',
    new VecdexVectorStore({ vecdex: vx, collection: 'hnsw', embedModel }),
    async () => {
      await vx.indexes.create({
        name: 'hnsw-idx',
        plugin: 'hnswlib',
        collections: ['hnsw'],
        params: { M: 16, efSearch: 64 },
        default: true,
      });
      await vx.indexes.build('hnsw-idx');
    },
  );

  if (pgUrl !== undefined) {
    const schema = `vdx_li_bench_${process.pid}`;
    const pgvx = await openVecdex({
      config: { dataDir: path.join(dir, 'pgdata') },
      env: { VECDEX_BACKEND: 'pgvector', VECDEX_DB_URL: pgUrl, VECDEX_PG_SCHEMA: schema },
      cwd: path.dirname(new URL(import.meta.url).pathname),
    });
    cleanups.push(async () => {
      await pgvx.backend.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pgvx.close();
    });
    await measure('vecdex pgvector, exact', new VecdexVectorStore({ vecdex: pgvx, collection: 'exact', embedModel }));
    const liSchema = `li_bench_${process.pid}`;
    const pgStore = new PGVectorStore({
      clientConfig: { connectionString: pgUrl },
      schemaName: liSchema,
      dimensions: opts.dims,
      embedModel,
    });
    cleanups.push(async () => {
      const db = await pgStore.client();
      await db.query(`DROP SCHEMA IF EXISTS "${liSchema}" CASCADE`);
      await db.close();
    });
    await measure('PGVectorStore (@llamaindex/postgres), exact', pgStore);
  } else {
    console.error('no --pg-url / VECDEX_TEST_PG_URL: the PostgreSQL rows are left out');
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${e.message}`));
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nLlamaIndex vector stores: ${opts.nodes} nodes x ${opts.dims} dims, ${opts.queries} queries, top ${opts.k}, cosine; filter = group == 3 (10% of the nodes); llamaindex 0.12.1, Node ${process.version}, ${os.cpus().length} cores, loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
);
const headers = ['store', 'add nodes/s', 'query QPS', 'recall@k', 'filtered QPS', 'filtered recall@k'];
console.log(opts.markdown ? markdownTable(headers, rows) : textTable(headers, rows));

function parseArgs(argv) {
  const o = { nodes: 5000, dims: 256, queries: 300, k: 10, pgUrl: undefined, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--nodes') o.nodes = Number(next());
    else if (a === '--dims') o.dims = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--k') o.k = Number(next());
    else if (a === '--pg-url') o.pgUrl = next();
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown option ${a}; see the comment at the top of bench/llamaindex-qps.mjs`);
  }
  return o;
}
