// vecdex itself: the sqlite-vec backend (exact search) and the hnswlib index plugin, through the
// public API, as a user would run them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIMENSIONS, row } from '../fashion-mnist.mjs';
import { dirBytes, packageVersion } from './package-version.mjs';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BATCH = 1000;

export const name = 'vecdex';

export async function setup({ data, dir, opts }) {
  const { openVecdex } = await import('@vecdex/core');
  const vx = await openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(dir, 'vecdex.db') } },
      plugins: ['@vecdex/index-hnswlib'],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
    resolvePaths: [BENCH_DIR],
  });
  await vx.collections.create({ name: 'fmnist', dimensions: DIMENSIONS, metric: 'l2' });
  const coll = vx.collection('fmnist');
  let t = performance.now();
  for (let start = 0; start < data.baseCount; start += BATCH) {
    const items = [];
    for (let i = start; i < Math.min(data.baseCount, start + BATCH); i++)
      items.push({ id: String(i), vector: row(data.base, i) });
    await coll.upsert(items);
  }
  const ingestSeconds = (performance.now() - t) / 1000;
  await vx.indexes.create({
    name: 'fmnist-hnsw',
    plugin: 'hnswlib',
    collections: ['fmnist'],
    params: { M: opts.M, efConstruction: opts.efConstruction, randomSeed: 100 },
  });
  t = performance.now();
  const status = await vx.indexes.build('fmnist-hnsw');
  const buildSeconds = (performance.now() - t) / 1000;
  const queries = Array.from({ length: data.queryCount }, (_, i) => row(data.queries, i).slice());
  const ids = (hits) => hits.map((h) => Number(h.id));
  const k = opts.k;
  const storeBytes = dirBytes(dir) - (status.bytesOnDisk ?? 0);
  return {
    version: `core ${packageVersion('@vecdex/core')}, sqlite-vec ${packageVersion('sqlite-vec')}, hnswlib-node ${packageVersion('hnswlib-node')}`,
    systems: [
      {
        name: 'vecdex exact (sqlite-vec)',
        kind: 'scan',
        ingestSeconds,
        buildSeconds: 0,
        bytes: storeBytes,
        param: null,
        values: [null],
        search: () => async (i) => ids(await coll.similar(queries[i], { k, exact: true, include: {} })),
      },
      {
        name: 'vecdex hnswlib',
        kind: 'ann',
        ingestSeconds,
        buildSeconds,
        bytes: status.bytesOnDisk,
        param: 'efSearch',
        values: opts.ef,
        search: (ef) => async (i) =>
          ids(await coll.similar(queries[i], { k, index: 'fmnist-hnsw', params: { efSearch: ef }, stale: 'error', include: {} })),
      },
    ],
    close: () => vx.close(),
  };
}
