import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.resolve('@vecdex/index-hnswlib'));
const { HierarchicalNSW } = require('hnswlib-node');
const D = 784, N = 20000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'prof-'));
const vx = await openVecdex({ config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'x.db') } }, plugins: [hnswlib], dataDir: path.join(dir, 'data') }, cwd: dir, env: {} });
await vx.collections.create({ name: 'c', dimensions: D, metric: 'l2' });
const c = vx.collection('c');
let s = 1; const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
for (let b = 0; b < N; b += 1000) await c.upsert(Array.from({ length: 1000 }, (_, i) => ({ id: `i${b + i}`, vector: Float32Array.from({ length: D }, r) })));
await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['c'], default: true, params: { M: 16, efConstruction: 40 } });
await vx.indexes.build('ix');
const raw = new HierarchicalNSW('l2', D); raw.initIndex(N, 16, 40, 100);
for await (const batch of c.scan({ batchSize: 1000, vectors: true })) for (const it of batch) raw.addPoint(Array.from(it.vector), Number(it.id.slice(1)));
raw.setEf(10);
const q = Float32Array.from({ length: D }, r);
const qa = Array.from(q);
const cases = {
  'raw searchKnn(number[])': () => raw.searchKnn(qa, 10),
  'raw searchKnn(Array.from)': () => raw.searchKnn(Array.from(q), 10),
  'getCollection': () => vx.backend.getCollection('c'),
  'headCursor': () => vx.backend.headCursor(),
  'Array.from(q)': () => Array.from(q),
  'indexes.search': () => vx.indexes.search('ix', q, { k: 10, params: { efSearch: 10 } }),
  'similar': () => c.similar(q, { k: 10, params: { efSearch: 10 }, include: {} }),
  'similar stale:allow': () => c.similar(q, { k: 10, params: { efSearch: 10 }, include: {}, stale: 'allow' }),
};
for (const [name, fn] of Object.entries(cases)) {
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 2000 / 1000);
  }
  console.log(name.padEnd(24), best.toFixed(1), 'µs');
}
await vx.close();
