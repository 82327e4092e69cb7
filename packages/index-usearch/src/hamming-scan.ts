/**
 * The `count` nearest rows to `query` by Hamming distance over packed sign bits (`words` 32-bit
 * words a row, `rows` rows), as `{ rows, distances }` nearest first. One pass computes every
 * distance (SWAR popcount on 32-bit words), a histogram of the distances (at most 32·words + 1
 * values) finds the cut-off, and only the rows within it are sorted: O(rows·words + count·log count).
 * `skip(row)` excludes rows (free slots).
 */
export function hammingScan(
  codes: Uint32Array,
  rows: number,
  words: number,
  query: Uint32Array,
  count: number,
  skip: (row: number) => boolean,
): { rows: Uint32Array; distances: Uint16Array } {
  const dist = new Uint16Array(rows);
  const maxDistance = words * 32;
  const histogram = new Uint32Array(maxDistance + 1);
  for (let r = 0, o = 0; r < rows; r++, o += words) {
    let s = 0;
    for (let j = 0; j < words; j++) {
      let x = ((codes[o + j] as number) ^ (query[j] as number)) >>> 0;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      s += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
    }
    dist[r] = s;
    histogram[s] = (histogram[s] as number) + 1;
  }
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
