import { createHash } from 'node:crypto';

/**
 * The hash an ingested item keeps of the text its vector came from: sha256 over the model name
 * and the text, hex. Same model and text, same hash; so a re-run re-embeds only changed texts,
 * and the embedding cache can serve the vector of a text seen before.
 *
 * ```ts
 * contentHash('hashing-512', 'hello') // 'a3f…' (64 hex digits)
 * ```
 */
export function contentHash(model: string, text: string): string {
  return createHash('sha256').update(model).update('\u0000').update(text).digest('hex');
}

/** Roughly how many tokens a text is (characters / 4): an estimate, not any model's tokenizer. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
