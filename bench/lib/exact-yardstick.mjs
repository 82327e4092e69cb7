// Exact search through vecdex beside usearch's `exactSearch` (SIMD, one thread) over the same
// vectors, the two taking turns query by query, so both see the same machine load.
import usearch from 'usearch';

const USEARCH_METRIC = { l2: 'l2sq', cosine: 'cos', ip: 'ip' };

/**
 * Times `search(q)` (vecdex) and usearch's exactSearch over `base` for the same queries, after
 * `warmup` unmeasured queries each. Returns per-query milliseconds (median and mean) of both and
 * the ratio of medians; the same in CPU milliseconds of the process, with the ratio of means
 * (process.cpuUsage ticks coarsely, so a median of short queries is too coarse).
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
  // CPU time of the process too (both run on this thread, one core): a loaded machine delays
  // the wall clock of either far more than it changes the work done.
  const oursCpu = [];
  const theirsCpu = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let i = 0; i < queryCount; i++) {
    const v = q(i);
    // Alternate which goes first, so neither always runs right after the other's cache misses.
    const runOurs = async () => {
      const c = cpu();
      const t = performance.now();
      await search(v);
      ours.push(performance.now() - t);
      oursCpu.push(cpu() - c);
    };
    const runTheirs = () => {
      const c = cpu();
      const t = performance.now();
      usearch.exactSearch(base, v, dim, k, kind, 1);
      theirs.push(performance.now() - t);
      theirsCpu.push(cpu() - c);
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
  const oc = stats(oursCpu);
  const tc = stats(theirsCpu);
  return { vecdex: o, usearch: t, ratio: o.median / t.median, vecdexCpu: oc, usearchCpu: tc, cpuRatio: oc.mean / tc.mean };
}
