// Raw sqlite-vec: better-sqlite3 + a vec0 table, KNN by `MATCH ... AND k = ?` (exact, brute force).
import path from 'node:path';
import { DIMENSIONS, row } from '../fashion-mnist.mjs';
import { dirBytes, packageVersion } from './package-version.mjs';

export const name = 'sqlite-vec';

export async function setup({ data, dir, opts }) {
  const { default: Database } = await import('better-sqlite3');
  const sqliteVec = await import('sqlite-vec');
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  sqliteVec.load(db);
  db.exec(`CREATE VIRTUAL TABLE v USING vec0(embedding float[${DIMENSIONS}])`);
  const insert = db.prepare('INSERT INTO v(rowid, embedding) VALUES (?, ?)');
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert.run(BigInt(i), row(data.base, i));
  });
  const t = performance.now();
  for (let i = 0; i < data.baseCount; i += 1000) batch.immediate(i, Math.min(data.baseCount, i + 1000));
  const ingestSeconds = (performance.now() - t) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const knn = db.prepare('SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance').pluck();
  const queries = Array.from({ length: data.queryCount }, (_, i) => row(data.queries, i).slice());
  return {
    version: `sqlite-vec ${packageVersion('sqlite-vec')}, better-sqlite3 ${packageVersion('better-sqlite3')}`,
    systems: [
      {
        name: 'raw sqlite-vec (vec0)',
        kind: 'scan',
        ingestSeconds,
        buildSeconds: 0,
        bytes: dirBytes(dir),
        param: null,
        values: [null],
        search: () => async (i) => knn.all(queries[i], opts.k),
      },
    ],
    close: async () => db.close(),
  };
}
