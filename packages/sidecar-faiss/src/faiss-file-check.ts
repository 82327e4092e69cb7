/**
 * What FAISS 1.7.x's `write_index` writes, checked before `read_index` sees the bytes. FAISS
 * reads vector lengths from the file and allocates them (a crafted length is a `bad_alloc`,
 * which faiss-node does not catch: the process aborts), and an HNSW graph's neighbour ids and
 * entry point are followed without bound checks on search.
 *
 * Every index starts with fourcc (4) · d (i32) · ntotal (i64) · 2 × i64 · is_trained (u8) ·
 * metric_type (i32) [· metric_arg (f32) when metric_type > 1]. Checked in depth:
 *
 * - `IxF2` / `IxFI` (Flat): the float vector's length is ntotal·d and the file ends there;
 * - `IHNf` (HNSW over Flat): the graph's vectors (level probabilities, neighbours per level,
 *   levels, offsets, neighbours) are consistent with each other and with ntotal, every neighbour
 *   id is -1 or below ntotal, the entry point is on the max level, then the Flat storage as above;
 * - `Iw..` (IVF): nlist and the coarse quantizer, a Flat index of exactly nlist centroids (list
 *   numbers come from it); the inverted lists are FAISS's own checked reads.
 *
 * Other index types (PQ, SQ without IVF, whatever else a factory string builds) get the common
 * header check only; see the README.
 */
const HEADER = 37;

export interface ExpectedFaissFile {
  dimensions: number;
  /** Entries (live + tombstones): the label map's slot count. */
  count: number;
  /** The fourcc the manifest recorded (null on save: whatever was written). */
  fourcc: string | null;
  /** IVF cells of the plan, or null. */
  nlist: number | null;
}

/** Why the serialized index is not what this index would write, or null. */
export function checkFaissFile(data: Buffer, expected: ExpectedFaissFile): string | null {
  const top = readHeader(data, 0);
  if (typeof top === 'string') return top;
  if (expected.fourcc !== null && top.fourcc !== expected.fourcc)
    return `type ${JSON.stringify(top.fourcc)} is not ${JSON.stringify(expected.fourcc)}`;
  if (top.d !== expected.dimensions) return `dimensions ${top.d}, expected ${expected.dimensions}`;
  if (top.ntotal !== BigInt(expected.count)) return `${top.ntotal} vectors, the label map has ${expected.count}`;
  const count = expected.count;
  if (top.fourcc === 'IxF2' || top.fourcc === 'IxFI') {
    const end = checkFlat(data, top.end, expected.dimensions, count);
    if (typeof end === 'string') return end;
    return end === data.length ? null : `${data.length - end} bytes after the vectors`;
  }
  if (top.fourcc === 'IHNf') {
    const end = checkHnsw(data, top.end, count);
    if (typeof end === 'string') return end;
    const storage = readHeader(data, end);
    if (typeof storage === 'string') return `HNSW storage: ${storage}`;
    if (storage.fourcc !== 'IxF2' && storage.fourcc !== 'IxFI')
      return `HNSW storage is ${JSON.stringify(storage.fourcc)}, not Flat`;
    if (storage.d !== expected.dimensions || storage.ntotal !== BigInt(count))
      return 'HNSW storage disagrees with the index header';
    const last = checkFlat(data, storage.end, expected.dimensions, count);
    if (typeof last === 'string') return `HNSW storage: ${last}`;
    return last === data.length ? null : `${data.length - last} bytes after the HNSW storage`;
  }
  if (top.fourcc.startsWith('Iw')) {
    if (top.end + 16 > data.length) return 'file ends inside the IVF header';
    const nlist = data.readBigUInt64LE(top.end);
    if (expected.nlist !== null && nlist !== BigInt(expected.nlist)) return `nlist ${nlist}, the plan says ${expected.nlist}`;
    const quantizer = readHeader(data, top.end + 16);
    if (typeof quantizer === 'string') return `IVF quantizer: ${quantizer}`;
    if (quantizer.fourcc !== 'IxF2' && quantizer.fourcc !== 'IxFI')
      return `IVF quantizer is ${JSON.stringify(quantizer.fourcc)}, not Flat`;
    if (quantizer.d !== expected.dimensions || quantizer.ntotal !== nlist)
      return `IVF quantizer holds ${quantizer.ntotal} centroids for ${nlist} lists`;
    const end = checkFlat(data, quantizer.end, expected.dimensions, Number(nlist));
    return typeof end === 'string' ? `IVF quantizer: ${end}` : null;
  }
  return null;
}

/** The common index header at `at`: fourcc, d, ntotal and where the type-specific part starts. */
function readHeader(data: Buffer, at: number): { fourcc: string; d: number; ntotal: bigint; end: number } | string {
  if (at + HEADER > data.length) return `${data.length - at} bytes is shorter than a FAISS header`;
  const fourcc = data.subarray(at, at + 4).toString('latin1');
  const d = data.readInt32LE(at + 4);
  const ntotal = data.readBigInt64LE(at + 8);
  if (d < 1 || ntotal < 0n) return `bad header (d ${d}, ntotal ${ntotal})`;
  const metric = data.readInt32LE(at + 33);
  if (metric < 0 || metric > 1) return `metric type ${metric} is neither L2 nor inner product`;
  return { fourcc, d, ntotal, end: at + HEADER };
}

/** A Flat index's float vector (u64 length in floats, then the floats); where it ends. */
function checkFlat(data: Buffer, at: number, d: number, count: number): number | string {
  if (at + 8 > data.length) return 'file ends before the vectors';
  const floats = data.readBigUInt64LE(at);
  if (floats !== BigInt(count) * BigInt(d)) return `${floats} floats stored for ${count} × ${d}`;
  const end = at + 8 + count * d * 4;
  return end > data.length ? 'file ends inside the vectors' : end;
}

/** `faiss::HNSW` as `write_HNSW` writes it; where it ends. */
function checkHnsw(data: Buffer, at: number, count: number): number | string {
  const vectors: { n: number; at: number }[] = [];
  let o = at;
  for (const size of [8, 4, 4, 8, 4]) {
    if (o + 8 > data.length) return 'file ends inside the HNSW graph';
    const n = data.readBigUInt64LE(o);
    if (n > BigInt(data.length)) return `an HNSW vector of ${n} entries in a ${data.length}-byte file`;
    vectors.push({ n: Number(n), at: o + 8 });
    o += 8 + Number(n) * size;
    if (o > data.length) return 'file ends inside the HNSW graph';
  }
  if (o + 20 > data.length) return 'file ends inside the HNSW graph';
  const [probas, cum, levels, offsets, neighbors] = vectors as [
    { n: number; at: number },
    { n: number; at: number },
    { n: number; at: number },
    { n: number; at: number },
    { n: number; at: number },
  ];
  const cumAt = (i: number) => data.readInt32LE(cum.at + 4 * i);
  if (cum.n !== probas.n + 1 || cum.n < 2 || cumAt(0) !== 0) return 'neighbours per level do not match the level probabilities';
  for (let i = 1; i < cum.n; i++) if (cumAt(i) < cumAt(i - 1)) return 'neighbours per level decrease';
  if (levels.n !== count) return `${levels.n} levels for ${count} vectors`;
  if (offsets.n !== count + 1) return `${offsets.n} offsets for ${count} vectors`;
  let highest = 0;
  let offset = 0n;
  if (data.readBigUInt64LE(offsets.at) !== 0n) return 'first offset is not 0';
  for (let i = 0; i < count; i++) {
    const level = data.readInt32LE(levels.at + 4 * i);
    if (level < 1 || level >= cum.n) return `vector ${i} has level ${level - 1}, beyond the ${cum.n - 1} levels`;
    highest = Math.max(highest, level);
    offset += BigInt(cumAt(level));
    if (data.readBigUInt64LE(offsets.at + 8 * (i + 1)) !== offset) return `offset of vector ${i + 1} is inconsistent`;
  }
  if (offset !== BigInt(neighbors.n)) return `${neighbors.n} neighbours stored, the offsets say ${offset}`;
  for (let i = 0; i < neighbors.n; i++) {
    const to = data.readInt32LE(neighbors.at + 4 * i);
    if (to < -1 || to >= count) return `neighbour ${to} of ${count} vectors`;
  }
  const entry = data.readInt32LE(o);
  const maxLevel = data.readInt32LE(o + 4);
  if (count === 0) {
    if (entry !== -1 || maxLevel !== -1) return `an empty graph with entry point ${entry} / max level ${maxLevel}`;
  } else {
    if (entry < 0 || entry >= count) return `entry point ${entry} of ${count} vectors`;
    if (maxLevel !== highest - 1) return `max level ${maxLevel}, the highest vector is on ${highest - 1}`;
    if (data.readInt32LE(levels.at + 4 * entry) - 1 !== maxLevel)
      return `entry point ${entry} is not on the max level ${maxLevel}`;
  }
  return o + 20;
}
