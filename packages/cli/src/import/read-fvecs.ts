import { createReadStream } from 'node:fs';
import { endianness } from 'node:os';
import type { ImportRecord } from './import-record.js';
import { importFormatError } from './import-record.js';

/** Larger dimension headers are taken as a sign the file is not .fvecs at all. */
export const MAX_FVECS_DIMENSIONS = 65_536;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export interface FvecsOptions {
  /** Ids are `<idPrefix><record index>` (default prefix: none, so ids are "0", "1", ...). */
  idPrefix?: string;
}

/**
 * Stream an .fvecs file (the TEXMEX/ANN-benchmark format): each record is a little-endian int32
 * dimension followed by that many little-endian float32 values. Records carry no ids or metadata.
 * Throws `IMPORT_FORMAT` naming the record index and byte offset on a bad header or a
 * truncated record.
 */
export async function* readFvecs(file: string, options: FvecsOptions = {}): AsyncGenerator<ImportRecord> {
  const prefix = options.idPrefix ?? '';
  let pending: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of pending[0]
  let index = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    while (buf.length - pos >= 4) {
      const dim = buf.readInt32LE(pos);
      const where = { index, offset: base + pos };
      if (dim < 1 || dim > MAX_FVECS_DIMENSIONS) {
        throw importFormatError(
          file,
          where,
          `the dimension header reads ${dim}; an .fvecs record starts with its dimension as a little-endian int32 from 1 to ${MAX_FVECS_DIMENSIONS} (is this really an .fvecs file?)`,
        );
      }
      const size = 4 + dim * 4;
      if (buf.length - pos < size) break;
      yield { value: { id: `${prefix}${index}`, vector: readFloats(buf, pos + 4, dim) }, where };
      pos += size;
      index++;
    }
    pending = buf.subarray(pos);
    base += pos;
  }
  if (pending.length > 0) {
    const dim = pending.length >= 4 ? pending.readInt32LE(0) : null;
    const expected = dim === null ? 'a 4-byte dimension header' : `${4 + dim * 4} bytes for ${dim} dimensions`;
    throw importFormatError(
      file,
      { index, offset: base },
      `the file ends inside this record: ${pending.length} bytes left, expected ${expected} (truncated file?)`,
    );
  }
}

function readFloats(buf: Buffer, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(buf.subarray(start, start + count * 4));
  } else {
    for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(start + i * 4);
  }
  return out;
}
