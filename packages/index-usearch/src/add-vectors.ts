import type { NativeUsearch } from './load-usearch.js';

/**
 * Adds of fewer vectors than this run on one thread: usearch's concurrent inserts leave a few
 * nodes unreachable (measured with the raw binding, 2 threads: 0.6 of 43, 2.4 of 1,000, 4.2 of
 * 20,000 per build; none on one thread), which on a small index is a visible share of it. Large
 * builds keep every core and that ~0.02% loss.
 */
export const SERIAL_ADD_BELOW = 10_000;

/**
 * Add `keys` / `vectors` (`dims` floats each) to `native`, on `threads` threads for large adds
 * and on one thread below SERIAL_ADD_BELOW, while keeping `threads` search contexts reserved.
 *
 * usearch sizes its per-thread search contexts when an add grows the capacity, to that add's
 * thread count: a serial add that grew it left one context, and a later `searchMany` on more
 * threads failed at random ("Reserve capacity ahead of searches!"). So a serial add never grows
 * the capacity itself: the add of the one vector that does runs with `threads` (one task, so
 * no concurrent insert), and the rest fill the room below the capacity on one thread.
 */
export function addVectors(
  native: NativeUsearch,
  keys: BigUint64Array,
  vectors: Float32Array,
  dims: number,
  threads: number,
): void {
  const n = keys.length;
  if (n === 0) return;
  if (n >= SERIAL_ADD_BELOW) {
    native.add(keys, vectors, threads);
    return;
  }
  let i = 0;
  while (i < n) {
    // The binding grows the capacity when size + count >= capacity.
    const room = native.capacity() - native.size() - 1;
    if (room <= 0) {
      native.add(keys.subarray(i, i + 1), vectors.subarray(i * dims, (i + 1) * dims), threads);
      i += 1;
      continue;
    }
    const m = Math.min(n - i, room);
    native.add(keys.subarray(i, i + m), vectors.subarray(i * dims, (i + m) * dims), 1);
    i += m;
  }
}
