// .fvecs / .ivecs readers (int32 little-endian dimension, then that many 4-byte values per record)
// for the small real datasets under ../shared/datasets (see each one's README).
import fs from 'node:fs';

/** `{ data: Float32Array (n × dims), n, dims }` from an .fvecs file. */
export function readFvecs(file) {
  return readVecs(file, Float32Array);
}

/** `{ data: Int32Array (n × dims), n, dims }` from an .ivecs file. */
export function readIvecs(file) {
  return readVecs(file, Int32Array);
}

function readVecs(file, Type) {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = view.getInt32(0, true);
  const record = 4 + dims * 4;
  if (dims <= 0 || buf.byteLength % record !== 0) throw new Error(`${file}: not an .fvecs/.ivecs file of ${dims}-d records`);
  const n = buf.byteLength / record;
  const data = new Type(n * dims);
  for (let i = 0; i < n; i++) {
    if (view.getInt32(i * record, true) !== dims) throw new Error(`${file}: record ${i} has another dimension`);
    for (let j = 0; j < dims; j++) {
      data[i * dims + j] =
        Type === Float32Array ? view.getFloat32(i * record + 4 + j * 4, true) : view.getInt32(i * record + 4 + j * 4, true);
    }
  }
  return { data, n, dims };
}
