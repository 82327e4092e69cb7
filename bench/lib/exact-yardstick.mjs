// Exact search through vecdex beside usearch's `exactSearch` (SIMD, one thread) over the same
// vectors, the two taking turns query by query, so both see the same machine load.
import usearch from 'usearch';

const USEARCH_METRIC = { l2: 'l2sq', cosine: 'cos', ip: 'ip' };

/**
 * Times `search(q)` (vecdex) and usearch's exactSearch over `base` for the same queries, after
 * `warmup` unmeasured queries each. Returns per-query milliseconds (median and mean) of both and
 * the ratio of medians.
 */
export async function exactVsYardstick({ base, dim, queries, queryCount, k = 10, metric = 'l2', search, warmup = 3 }) {
  const q = (i) => new Float32Array(queries.subarray((i % queryCount) * dim, ((i % queryCount) + 1) * dim));
  const kind = USEARCH_METRIC[metric];
  for (let i = 0; i < warmup; i++) {
    await search(q(i));
    usearch.exactSearch(base, q(i), dim, k, kind, 1);
  }
  const ours = [];
  const theirs = [];
  for (let i = 0; i < queryCount; i++) {
    const v = q(i);
    // Alternate which goes first, so neither always runs right after the other's cache misses.
    const runOurs = async () => {
      const t = performance.now();
      await search(v);
      ours.push(performance.now() - t);
    };
    const runTheirs = () => {
      const t = performance.now();
      usearch.exactSearch(base, v, dim, k, kind, 1);
      theirs.push(performance.now() - t);
    };
    if (i % 2 === 0) {
      await runOurs();
      runTheirs();
    } else {
      runTheirs();
      await runOurs();
    }
  }
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], mean: xs.reduce((a, b) => a + b, 0) / xs.length };
  };
  const o = stats(ours);
  const t = stats(theirs);
  return { vecdex: o, usearch: t, ratio: o.median / t.median };
}
