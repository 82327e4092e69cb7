import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import { VecdexError } from '../errors/vecdex-error.js';

/** Default vector length of the hashing provider. */
export const DEFAULT_HASHING_DIMENSIONS = 512;

const MODEL_RE = /^hashing-(\d+)$/;
const TOKEN_RE = /[\p{L}\p{N}]+/gu;

/** Feature weights: words, adjacent word pairs, character trigrams of words (typo tolerance). */
const WEIGHT = { word: 1, bigram: 0.7, trigram: 0.3 };

/**
 * An offline, **lexical** embedder by feature hashing (the "hashing trick"): no model, no
 * download, no network, deterministic. Texts are lower-cased (NFKC), split into letter/digit
 * tokens; words, word bigrams and character trigrams are hashed (FNV-1a) into `dimensions`
 * buckets with a hash-derived sign, counts are damped (1 + ln tf), and the vector is
 * L2-normalised. Texts sharing words end up close; synonyms and paraphrases do not — it is a
 * keyword-overlap model, not a semantic one. The model name `hashing-<dimensions>` records the
 * settings, so a collection built with one size refuses another.
 *
 * ```ts
 * const p = createHashingProvider({ dimensions: 256 })
 * const [v] = await p.embed(['the quick brown fox'])   // Float32Array(256), unit length
 * ```
 */
export function createHashingProvider(options: { dimensions?: number; model?: string } = {}): EmbeddingProvider {
  const fromModel = options.model === undefined ? undefined : MODEL_RE.exec(options.model);
  if (options.model !== undefined && fromModel === null) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `the hashing provider's model is named "hashing-<dimensions>" (e.g. hashing-512), got "${options.model}"`,
    );
  }
  const dimensions = options.dimensions ?? (fromModel ? Number(fromModel[1]) : DEFAULT_HASHING_DIMENSIONS);
  if (!Number.isInteger(dimensions) || dimensions < 8 || dimensions > 65_536) {
    throw new VecdexError('INVALID_ARGUMENT', `hashing dimensions must be an integer from 8 to 65536, got ${dimensions}`);
  }
  if (fromModel && Number(fromModel[1]) !== dimensions) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `model "${options.model}" has ${fromModel[1]} dimensions, but dimensions ${dimensions} was given`,
    );
  }
  return {
    model: `hashing-${dimensions}`,
    dimensions,
    maxBatchSize: 1024,
    async embed(texts) {
      return texts.map((t) => hashText(t, dimensions));
    },
  };
}

/** The hashing embedding of one text (all zeros when it has no letters or digits). */
export function hashText(text: string, dimensions: number): Float32Array {
  const words = text.normalize('NFKC').toLowerCase().match(TOKEN_RE) ?? [];
  const tf = new Map<string, number>();
  const add = (feature: string) => tf.set(feature, (tf.get(feature) ?? 0) + 1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(`w:${w}`);
    if (i > 0) add(`b:${words[i - 1]} ${w}`);
    const padded = `#${w}#`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
  }
  const acc = new Float64Array(dimensions);
  for (const [feature, count] of tf) {
    const h = fnv1a(feature);
    const sign = (fnv1a(`s${feature}`) & 1) === 0 ? 1 : -1;
    const weight = feature.startsWith('w:') ? WEIGHT.word : feature.startsWith('b:') ? WEIGHT.bigram : WEIGHT.trigram;
    const bucket = h % dimensions;
    acc[bucket] = (acc[bucket] as number) + sign * weight * (1 + Math.log(count));
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += (acc[i] as number) ** 2;
  norm = Math.sqrt(norm);
  const out = new Float32Array(dimensions);
  if (norm > 0) for (let i = 0; i < dimensions; i++) out[i] = (acc[i] as number) / norm;
  return out;
}

/** 32-bit FNV-1a over UTF-16 code units, as an unsigned integer. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
