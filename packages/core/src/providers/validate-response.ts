import { providerError } from './provider-error.js';

/**
 * Check an OpenAI-style embeddings response body and return its vectors in input order.
 * Every violation is a retryable `PROVIDER_FAILURE` for the whole batch: malformed JSON, no
 * `data` array, a count other than `expected`, an index that is missing, out of range or
 * repeated, an embedding that is not an array of finite numbers, or of the wrong length.
 */
export function validateEmbeddingResponse(
  body: string,
  expected: number,
  dimensions: number | undefined,
  where: string,
): Float32Array[] {
  const bad = (what: string) => providerError(`${where} sent an invalid response: ${what}`, { retryable: true });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw bad('the body is not JSON');
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw bad('no "data" array');
  if (data.length !== expected) throw bad(`${data.length} embeddings for ${expected} inputs`);
  const out: (Float32Array | undefined)[] = new Array(expected);
  let dims = dimensions;
  for (const [pos, entry] of data.entries()) {
    const index = (entry as { index?: unknown } | null)?.index ?? pos;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= expected) {
      throw bad(`data[${pos}].index is ${JSON.stringify(index)}, expected 0..${expected - 1}`);
    }
    if (out[index as number] !== undefined) throw bad(`index ${index} appears twice`);
    const emb = (entry as { embedding?: unknown }).embedding;
    if (!Array.isArray(emb)) throw bad(`data[${pos}].embedding is not an array of numbers`);
    dims ??= emb.length;
    if (emb.length !== dims || emb.length === 0) throw bad(`data[${pos}].embedding has ${emb.length} numbers, expected ${dims}`);
    const v = new Float32Array(emb.length);
    for (let i = 0; i < emb.length; i++) {
      const x = emb[i];
      if (typeof x !== 'number' || !Number.isFinite(x) || !Number.isFinite(Math.fround(x))) {
        throw bad(`data[${pos}].embedding[${i}] is not a finite float32 number`);
      }
      v[i] = x;
    }
    out[index as number] = v;
  }
  return out as Float32Array[];
}
