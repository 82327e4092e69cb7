import { endianness } from 'node:os';
import { errors } from '@vecdex/core';

/**
 * A vector as pgvector's text input: `[0.1,0.2]`. Each float32 is written as the shortest decimal
 * of its double value, which pgvector's `strtof` reads back to the same float32 bits. JavaScript
 * prints -0 as `0`, so -0 is written out by hand (else the row path stored +0).
 */
export function vectorLiteral(v: Float32Array): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (i > 0) s += ',';
    s += x === 0 && 1 / x < 0 ? '-0' : String(x);
  }
  return `${s}]`;
}

/** pgvector's text output (`[1,2.5,3]`, shortest round-trip decimals) back to a Float32Array. */
export function parseVector(text: string): Float32Array {
  const body = text.slice(1, -1);
  if (body === '') return new Float32Array(0);
  const parts = body.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}

/** A vector from pgvector's binary form (`vector_send`): int16 dimensions, int16 unused, float32 big-endian each. */
export function vectorFromSend(bytes: Buffer): Float32Array {
  const n = bytes.readUInt16BE(0);
  if (bytes.length !== 4 + 4 * n) throw new Error(`internal: vector_send gave ${bytes.length} bytes for ${n} dimensions`);
  const out = new Float32Array(n);
  const le = Buffer.from(out.buffer);
  bytes.copy(le, 0, 4);
  if (endianness() === 'LE') le.swap32();
  return out;
}

/** Refuse a vector of the wrong length (defence in depth: core checked it already). */
export function checkDimensions(collection: string, dimensions: number, v: Float32Array, id?: string): void {
  if (!(v instanceof Float32Array) || v.length !== dimensions) {
    throw errors.dimensionMismatch(collection, dimensions, v instanceof Float32Array ? v.length : Number.NaN, id);
  }
}
