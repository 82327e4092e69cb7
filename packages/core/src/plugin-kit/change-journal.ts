import type { IndexChange } from '../contracts/index-plugin.js';

const MAGIC = 0x314a5856; // 'VXJ1' read as a little-endian uint32
const HEADER_BYTES = 12;
const OP_UPSERT = 1;
const OP_DELETE = 2;

/**
 * The batches of index changes a plugin applied since its index file was last written whole,
 * as the bytes of one journal file (`GenerationFiles.appendJournal`). On load the plugin replays
 * them batch by batch through its own `apply`, so the labels and the native index come out as
 * they were (batch boundaries are kept: a plugin may treat a batch as a unit).
 *
 * Layout (little-endian), per batch: `VXJ1`, uint32 dimensions, uint32 count; then per change a
 * uint8 op (1 upsert, 2 delete), uint32 collection length and UTF-8 bytes, uint32 id length and
 * UTF-8 bytes, and for an upsert `dimensions` float32 components (the vector `apply` received).
 *
 * ```ts
 * const bytes = encodeChanges([batch1, batch2], context.dimensions)
 * const again = decodeChanges(bytes, context.dimensions)   // [batch1, batch2], the same changes
 * ```
 */
export function encodeChanges(batches: readonly (readonly IndexChange[])[], dimensions: number): Buffer {
  return Buffer.concat(batches.map((b) => encodeBatch(b, dimensions)));
}

/**
 * The batches `encodeChanges` wrote. Throws (a plain `Error` saying where) on anything else: a
 * wrong magic or dimensions, a count or length past the end, an unknown op.
 */
export function decodeChanges(data: Uint8Array, dimensions: number): IndexChange[][] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: IndexChange[][] = [];
  let at = 0;
  while (at < buf.length) {
    const { changes, end } = decodeBatch(buf, at, dimensions, out.length);
    out.push(changes);
    at = end;
  }
  return out;
}

/** Every batch of `journals` (journal files' bytes, in the manifest's order), decoded in order. */
export function* journalBatches(journals: readonly Uint8Array[], dimensions: number): Generator<IndexChange[]> {
  for (const data of journals) yield* decodeChanges(data, dimensions);
}

function encodeBatch(changes: readonly IndexChange[], dimensions: number): Buffer {
  const texts = changes.map((c) => [Buffer.from(c.collection, 'utf8'), Buffer.from(c.id, 'utf8')] as const);
  let bytes = HEADER_BYTES;
  changes.forEach((c, i) => {
    const [collection, id] = texts[i] as readonly [Buffer, Buffer];
    bytes += 9 + collection.length + id.length + (c.op === 'upsert' ? dimensions * 4 : 0);
  });
  const out = Buffer.alloc(bytes);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(dimensions, 4);
  out.writeUInt32LE(changes.length, 8);
  let at = HEADER_BYTES;
  changes.forEach((c, i) => {
    const [collection, id] = texts[i] as readonly [Buffer, Buffer];
    out.writeUInt8(c.op === 'upsert' ? OP_UPSERT : OP_DELETE, at);
    out.writeUInt32LE(collection.length, at + 1);
    collection.copy(out, at + 5);
    at += 5 + collection.length;
    out.writeUInt32LE(id.length, at);
    id.copy(out, at + 4);
    at += 4 + id.length;
    if (c.op === 'upsert') {
      if (c.vector.length !== dimensions)
        throw new Error(`journal: ${c.id} has ${c.vector.length} dimensions, not ${dimensions}`);
      for (let j = 0; j < dimensions; j++) out.writeFloatLE(c.vector[j] as number, at + 4 * j);
      at += 4 * dimensions;
    }
  });
  return out;
}

function decodeBatch(buf: Buffer, start: number, dimensions: number, batch: number): { changes: IndexChange[]; end: number } {
  const fail = (why: string): never => {
    throw new Error(`journal batch ${batch}: ${why}`);
  };
  if (buf.length - start < HEADER_BYTES || buf.readUInt32LE(start) !== MAGIC) fail('not a vecdex change journal');
  if (buf.readUInt32LE(start + 4) !== dimensions)
    fail(`written for ${buf.readUInt32LE(start + 4)} dimensions, not ${dimensions}`);
  const count = buf.readUInt32LE(start + 8);
  // Every change takes at least 9 bytes: a count the file cannot hold is refused before allocating.
  if (count > (buf.length - start - HEADER_BYTES) / 9) fail(`${count} changes cannot fit in the file`);
  const out: IndexChange[] = new Array(count);
  let at = start + HEADER_BYTES;
  let i = 0;
  const need = (n: number) => {
    if (at + n > buf.length) fail(`change ${i} runs past the end`);
  };
  const text = (): string => {
    need(4);
    const n = buf.readUInt32LE(at);
    at += 4;
    need(n);
    const s = buf.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  for (; i < count; i++) {
    need(1);
    const op = buf.readUInt8(at);
    at += 1;
    if (op !== OP_UPSERT && op !== OP_DELETE) fail(`change ${i} has unknown op ${op}`);
    const collection = text();
    const id = text();
    if (op === OP_DELETE) {
      out[i] = { op: 'delete', collection, id };
      continue;
    }
    need(4 * dimensions);
    const vector = new Float32Array(dimensions);
    for (let j = 0; j < dimensions; j++) vector[j] = buf.readFloatLE(at + 4 * j);
    at += 4 * dimensions;
    out[i] = { op: 'upsert', collection, id, vector };
  }
  return { changes: out, end: at };
}
