/**
 * faiss-node exposes no setters for search-time parameters (IVF `nprobe`, HNSW `efSearch`,
 * `efConstruction`), but FAISS stores them in its serialized index. So they are set by writing
 * them into a serialized copy (`write_index` format of FAISS 1.7.x) and reading that back.
 * Offsets are checked against values we know (nlist, vector lengths) before anything is written;
 * an unexpected layout returns null and the caller keeps the index as it is.
 *
 * Layout: fourcc (4) · d (i32) · ntotal (i64) · 2 × i64 · is_trained (u8) · metric_type (i32)
 * [metric_arg, only for metric > 1]. IVF then: nlist (u64) · nprobe (u64) at byte 45. HNSW then:
 * 5 vectors (u64 length + data: assign_probas f64, cum_nneighbor_per_level i32, levels i32,
 * offsets u64, neighbors i32), entry_point, max_level, efConstruction, efSearch, upper_beam (i32).
 */
const HEADER = 37;

export interface Tuning {
  nprobe?: number;
  efSearch?: number;
  efConstruction?: number;
}

/** Write `tuning` into a serialized index in place; false when the layout is not the expected one. */
export function patchSerialized(buf: Buffer, tuning: Tuning, nlist: number | null): boolean {
  if (buf.length < HEADER + 16 || buf.readInt32LE(33) > 1) return false;
  const fourcc = buf.subarray(0, 4).toString('latin1');
  if (tuning.nprobe !== undefined) {
    if (nlist === null || !fourcc.startsWith('Iw') || buf.readBigUInt64LE(HEADER) !== BigInt(nlist)) return false;
    buf.writeBigUInt64LE(BigInt(Math.min(tuning.nprobe, nlist)), HEADER + 8);
  }
  if (tuning.efSearch !== undefined || tuning.efConstruction !== undefined) {
    if (!fourcc.startsWith('IHN')) return false;
    let o = HEADER;
    for (const size of [8, 4, 4, 8, 4]) {
      if (o + 8 > buf.length) return false;
      const n = buf.readBigUInt64LE(o);
      if (n > BigInt(buf.length)) return false;
      o += 8 + Number(n) * size;
    }
    if (o + 20 > buf.length) return false;
    if (tuning.efConstruction !== undefined) buf.writeInt32LE(tuning.efConstruction, o + 8);
    if (tuning.efSearch !== undefined) buf.writeInt32LE(tuning.efSearch, o + 12);
  }
  return true;
}

/** The search-time settings a serialized index carries (for tests and stats). */
export function readTuning(buf: Buffer): Tuning {
  const fourcc = buf.subarray(0, 4).toString('latin1');
  if (fourcc.startsWith('Iw') && buf.length >= HEADER + 16) return { nprobe: Number(buf.readBigUInt64LE(HEADER + 8)) };
  if (fourcc.startsWith('IHN')) {
    let o = HEADER;
    for (const size of [8, 4, 4, 8, 4]) o += 8 + Number(buf.readBigUInt64LE(o)) * size;
    return { efConstruction: buf.readInt32LE(o + 8), efSearch: buf.readInt32LE(o + 12) };
  }
  return {};
}
