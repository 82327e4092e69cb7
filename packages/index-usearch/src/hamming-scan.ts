/**
 * The `count` nearest rows by Hamming distance, given every row's distance (`dist`, from
 * `HammingKernel`), as `{ rows, distances }` nearest first: a histogram of the distances (at most
 * `maxDistance` + 1 values) finds the cut-off, and only the rows within it are sorted:
 * O(rows + count·log count). `skip(row)` excludes rows (free slots, filtered out).
 */
export function hammingScan(
  dist: Uint16Array,
  rows: number,
  maxDistance: number,
  count: number,
  skip: (row: number) => boolean,
): { rows: Uint32Array; distances: Uint16Array } {
  const histogram = new Uint32Array(maxDistance + 1);
  for (let r = 0; r < rows; r++) histogram[dist[r] as number] = (histogram[dist[r] as number] as number) + 1;
  // Smallest cut-off holding `count` rows (free slots are counted here and skipped below, so
  // widen until enough live rows are inside).
  let cut = 0;
  let inside = histogram[0] as number;
  while (inside < count && cut < maxDistance) inside += histogram[++cut] as number;
  let picked: number[] = [];
  for (;;) {
    picked = [];
    for (let r = 0; r < rows; r++) if ((dist[r] as number) <= cut && !skip(r)) picked.push(r);
    if (picked.length >= count || cut >= maxDistance) break;
    cut = Math.min(maxDistance, cut + Math.max(1, cut >> 2));
  }
  picked.sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
  const n = Math.min(count, picked.length);
  const outRows = new Uint32Array(n);
  const outDist = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    outRows[i] = picked[i] as number;
    outDist[i] = dist[picked[i] as number] as number;
  }
  return { rows: outRows, distances: outDist };
}

/** Pack the signs of `vector` (bit set for a component > 0, as usearch's b1 cast) into `out` at word `at`. */
export function packSigns(vector: ArrayLike<number>, dims: number, out: Uint32Array, at: number, from = 0): void {
  const words = Math.ceil(dims / 32);
  for (let w = 0; w < words; w++) {
    let bits = 0;
    const base = w * 32;
    const end = Math.min(32, dims - base);
    for (let b = 0; b < end; b++) if ((vector[from + base + b] as number) > 0) bits |= 1 << b;
    out[at + w] = bits >>> 0;
  }
}
