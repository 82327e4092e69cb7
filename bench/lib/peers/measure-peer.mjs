// Time search systems over the same queries, taking turns, and score their answers against exact
// ground truth.
import { DIMENSIONS, recallOf, row } from '../fashion-mnist.mjs';

const WARMUP = 10;
/** Queries a task answers before the next one takes its turn. */
const CHUNK = 50;

/**
 * Each task is `{ search(i) → base row numbers, nearest first; n }`. All tasks answer their
 * queries one at a time, interleaved in chunks of 50 with the order rotating from chunk to chunk,
 * so load from elsewhere on a shared machine hits every task alike rather than whichever ran
 * during it. This is done `repeats` times; a task's QPS is its best pass, latency percentiles are
 * over every query of every pass, and recall@k (tie-aware, against the exact top k) is from the
 * first pass. A task whose search throws is dropped, with the error, and the others go on.
 */
export async function measureInterleaved(tasks, { k, repeats, data, truth, onChunk = () => {} }) {
  const state = tasks.map(() => ({ lat: [], passMs: new Array(repeats).fill(0), recallSum: 0, error: null }));
  for (const [t, task] of tasks.entries()) {
    try {
      for (let i = 0; i < Math.min(WARMUP, task.n); i++) await task.search(i);
    } catch (err) {
      state[t].error = err;
    }
  }
  const maxN = Math.max(...tasks.map((t) => t.n));
  let turn = 0;
  for (let pass = 0; pass < repeats; pass++) {
    for (let from = 0; from < maxN; from += CHUNK) {
      turn++;
      for (let j = 0; j < tasks.length; j++) {
        const t = (j + turn) % tasks.length;
        const task = tasks[t];
        const s = state[t];
        if (s.error !== null || from >= task.n) continue;
        try {
          for (let i = from; i < Math.min(task.n, from + CHUNK); i++) {
            const start = performance.now();
            const ids = await task.search(i);
            const ms = performance.now() - start;
            s.passMs[pass] += ms;
            s.lat.push(ms);
            if (pass === 0) s.recallSum += recallOf(ids, row(data.queries, i), truth.kth[i], data.base, k, DIMENSIONS);
          }
        } catch (err) {
          s.error = err;
        }
      }
      onChunk(pass, from, maxN);
    }
  }
  return tasks.map((task, t) => {
    const s = state[t];
    if (s.error !== null) return { error: s.error };
    s.lat.sort((a, b) => a - b);
    const pct = (q) => s.lat[Math.min(s.lat.length - 1, Math.max(0, Math.ceil(q * s.lat.length) - 1))];
    const best = Math.min(...s.passMs);
    return { recall: s.recallSum / task.n, qps: (task.n * 1000) / best, p50Ms: pct(0.5), p95Ms: pct(0.95), queries: task.n };
  });
}
