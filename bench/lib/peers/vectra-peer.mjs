// vectra: a local, in-memory index kept in a JSON file, brute-force search by cosine similarity
// (its only measure), so its recall is against the l2 ground truth like everyone else's.
import path from 'node:path';
import { row } from '../fashion-mnist.mjs';
import { dirBytes, packageVersion } from './package-version.mjs';

export const name = 'vectra';

export async function setup({ data, dir, opts }) {
  const { LocalIndex } = await import('vectra');
  const folder = path.join(dir, 'vectra');
  const index = new LocalIndex(folder);
  await index.createIndex({ version: 1, deleteIfExists: true });
  const t = performance.now();
  await index.beginUpdate();
  // upsertItem, not insertItem: insertItem checks the id is new with a linear scan of the
  // pending items, which makes a bulk load quadratic (still running after 6 minutes at 60,000
  // here). On a fresh index the two store the same items.
  for (let i = 0; i < data.baseCount; i++)
    await index.upsertItem({ id: String(i), vector: Array.from(row(data.base, i)), metadata: {} });
  await index.endUpdate();
  const ingestSeconds = (performance.now() - t) / 1000;
  const queries = Array.from({ length: data.queryCount }, (_, i) => Array.from(row(data.queries, i)));
  return {
    version: packageVersion('vectra'),
    systems: [
      {
        name: 'vectra (cosine)',
        kind: 'scan',
        ingestSeconds,
        buildSeconds: 0,
        bytes: dirBytes(folder),
        param: null,
        values: [null],
        search: () => async (i) => (await index.queryItems(queries[i], '', opts.k)).map((r) => Number(r.item.id)),
      },
    ],
    close: async () => {},
  };
}
