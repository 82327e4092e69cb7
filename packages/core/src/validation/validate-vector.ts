import { errors } from '../errors/error-factories.js';
import type { Metric } from '../model/metric.js';

/**
 * Turn a user vector into a Float32Array of exactly `dimensions` finite values. A number that is
 * finite as a double but overflows float32 (1e39) is refused too. For cosine, the zero vector
 * has no direction and is refused. `id` (the item's, for messages) overrides `ctx.id`.
 */
export function toVector(
  value: unknown,
  ctx: { collection: string; dimensions: number; metric: Metric; id?: string },
  id: string | undefined = ctx.id,
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
        throw errors.invalidVector(`element ${i} is ${x === null ? 'null' : typeof x}, expected a number`, id);
      }
      out[i] = x;
    }
  } else {
    const got = value === null ? 'null' : typeof value;
    throw errors.invalidVector(`expected an array of numbers or a Float32Array, got ${got}`, id);
  }
  if (out.length !== ctx.dimensions) throw errors.dimensionMismatch(ctx.collection, ctx.dimensions, out.length, id);
  // One pass for both checks: the sum of squares (in double precision) is finite exactly when
  // every element is (a float32's square is at most ~1.2e77, so finite values cannot overflow it).
  const norm = sumOfSquares(out);
  if (!Number.isFinite(norm)) throw nonFinite(value, out, id);
  if (ctx.metric === 'cosine' && norm === 0) {
    throw errors.invalidVector('is all zeros, which has no direction under the cosine metric', id);
  }
  return out;
}

function sumOfSquares(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    s += x * x;
  }
  return s;
}

/** The error for the first non-finite element (only called when there is one). */
function nonFinite(value: unknown, out: Float32Array, id: string | undefined) {
  let i = 0;
  while (i < out.length && Number.isFinite(out[i] as number)) i++;
  const raw = value instanceof Float32Array ? (out[i] as number) : ((value as ArrayLike<number>)[i] as number);
  const why = Number.isNaN(raw) ? 'NaN' : Number.isFinite(raw) ? `${raw} (overflows float32)` : String(raw);
  return errors.invalidVector(`element ${i} is ${why}; vectors must hold finite numbers`, id);
}
