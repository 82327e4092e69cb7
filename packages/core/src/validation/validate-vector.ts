import { errors } from '../errors/error-factories.js';
import type { Metric } from '../model/metric.js';

/**
 * Turn a user vector into a Float32Array of exactly `dimensions` finite values. A number that is
 * finite as a double but overflows float32 (1e39) is refused too. For cosine, the zero vector
 * has no direction and is refused.
 */
export function toVector(
  value: unknown,
  ctx: { collection: string; dimensions: number; metric: Metric; id?: string },
): Float32Array {
  let out: Float32Array;
  if (value instanceof Float32Array) {
    out = value;
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const arr = value as ArrayLike<unknown>;
    out = new Float32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (typeof x !== 'number') {
        throw errors.invalidVector(`element ${i} is ${x === null ? 'null' : typeof x}, expected a number`, ctx.id);
      }
      out[i] = x;
    }
  } else {
    const got = value === null ? 'null' : typeof value;
    throw errors.invalidVector(`expected an array of numbers or a Float32Array, got ${got}`, ctx.id);
  }
  if (out.length !== ctx.dimensions) throw errors.dimensionMismatch(ctx.collection, ctx.dimensions, out.length, ctx.id);
  let norm = 0;
  for (let i = 0; i < out.length; i++) {
    const x = out[i] as number;
    if (!Number.isFinite(x)) {
      const raw = value instanceof Float32Array ? x : ((value as ArrayLike<number>)[i] as number);
      const why = Number.isNaN(raw) ? 'NaN' : Number.isFinite(raw) ? `${raw} (overflows float32)` : String(raw);
      throw errors.invalidVector(`element ${i} is ${why}; vectors must hold finite numbers`, ctx.id);
    }
    norm += x * x;
  }
  if (ctx.metric === 'cosine' && norm === 0) {
    throw errors.invalidVector('is all zeros, which has no direction under the cosine metric', ctx.id);
  }
  return out;
}
