// Raw hnswlib-node, used as its README shows, with the same M, efConstruction and seed as vecdex.
import { DIMENSIONS, row } from '../fashion-mnist.mjs';
import { packageVersion } from './package-version.mjs';

export const name = 'hnswlib-node';

export async function setup({ data, opts }) {
  const { default: hnswlib } = await import('hnswlib-node');
  const index = new hnswlib.HierarchicalNSW('l2', DIMENSIONS);
  const t = performance.now();
  index.initIndex(data.baseCount, opts.M, opts.efConstruction, 100, false);
  const scratch = new Array(DIMENSIONS).fill(0);
  for (let i = 0; i < data.baseCount; i++) {
    const v = row(data.base, i);
    for (let j = 0; j < DIMENSIONS; j++) scratch[j] = v[j];
    index.addPoint(scratch, i);
  }
  const buildSeconds = (performance.now() - t) / 1000;
  // The binding takes number[]: convert the queries once, outside the timed loop (its best case).
  const queries = Array.from({ length: data.queryCount }, (_, i) => Array.from(row(data.queries, i)));
  let currentEf = 0;
  const setEf = (ef) => {
    if (currentEf !== ef) {
      index.setEf(ef);
      currentEf = ef;
    }
  };
  // Queries as they usually arrive (Float32Array from a model or a store), copied into one
  // reused number[] per query: what the vecdex plugin does, the fair comparison for its API.
  const queryScratch = new Array(DIMENSIONS).fill(0);
  return {
    version: packageVersion('hnswlib-node'),
    systems: [
      {
        name: 'raw hnswlib-node',
        kind: 'ann',
        ingestSeconds: 0,
        buildSeconds,
        bytes: null,
        param: 'efSearch',
        values: opts.ef,
        // Systems take turns while measured: set ef only when another efSearch ran last.
        search: (ef) => async (i) => {
          setEf(ef);
          return index.searchKnn(queries[i], opts.k).neighbors;
        },
      },
      {
        name: 'raw hnswlib-node, Float32Array queries',
        kind: 'ann',
        ingestSeconds: 0,
        buildSeconds, // the same index as above
        bytes: null,
        param: 'efSearch',
        values: opts.ef,
        search: (ef) => async (i) => {
          setEf(ef);
          const v = row(data.queries, i);
          for (let j = 0; j < DIMENSIONS; j++) queryScratch[j] = v[j];
          return index.searchKnn(queryScratch, opts.k).neighbors;
        },
      },
    ],
    close: async () => {},
  };
}
