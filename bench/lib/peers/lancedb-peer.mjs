// LanceDB (@lancedb/lancedb, native binaries from npm): a local table, an IVF_HNSW_SQ index with
// the same M and efConstruction as hnswlib, searched with `ef`; and the same table searched
// without the index (flat scan: exact).
import path from 'node:path';
import { row } from '../fashion-mnist.mjs';
import { dirBytes, packageVersion } from './package-version.mjs';

export const name = 'lancedb';

const BATCH = 5000;

export async function setup({ data, dir, opts }) {
  const lancedb = await import('@lancedb/lancedb');
  const db = await lancedb.connect(path.join(dir, 'lance'));
  const rows = (from, to) => {
    const out = [];
    for (let i = from; i < to; i++) out.push({ id: i, vector: Array.from(row(data.base, i)) });
    return out;
  };
  let t = performance.now();
  const table = await db.createTable('fmnist', rows(0, Math.min(BATCH, data.baseCount)), { mode: 'overwrite' });
  for (let i = BATCH; i < data.baseCount; i += BATCH) await table.add(rows(i, Math.min(data.baseCount, i + BATCH)));
  const ingestSeconds = (performance.now() - t) / 1000;
  const flatBytes = dirBytes(path.join(dir, 'lance'));
  t = performance.now();
  await table.createIndex('vector', {
    config: lancedb.Index.hnswSq({ distanceType: 'l2', m: opts.M, efConstruction: opts.efConstruction, numPartitions: 1 }),
  });
  const buildSeconds = (performance.now() - t) / 1000;
  const indexBytes = dirBytes(path.join(dir, 'lance')) - flatBytes;
  const queries = Array.from({ length: data.queryCount }, (_, i) => Array.from(row(data.queries, i)));
  const ids = (rs) => rs.map((r) => Number(r.id));
  // Selecting _distance too: without it LanceDB 0.37 logs a deprecation warning on every query.
  const query = (i) => table.query().nearestTo(queries[i]).distanceType('l2').limit(opts.k).select(['id', '_distance']);
  return {
    version: packageVersion('@lancedb/lancedb'),
    systems: [
      {
        name: 'LanceDB flat (no index)',
        kind: 'scan',
        ingestSeconds,
        buildSeconds: 0,
        bytes: flatBytes,
        param: null,
        values: [null],
        search: () => async (i) => ids(await query(i).bypassVectorIndex().toArray()),
      },
      {
        name: 'LanceDB IVF_HNSW_SQ',
        kind: 'ann',
        ingestSeconds,
        buildSeconds,
        bytes: indexBytes,
        param: 'ef',
        values: opts.ef,
        search: (ef) => async (i) => ids(await query(i).ef(ef).toArray()),
      },
    ],
    close: async () => {
      table.close();
      db.close();
    },
  };
}
