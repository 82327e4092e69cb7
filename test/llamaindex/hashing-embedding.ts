import { createHashingProvider } from '@vecdex/core';
import { BaseEmbedding } from 'llamaindex';

/**
 * An offline LlamaIndex embedding model for tests: vecdex's lexical hashing embedder (texts that
 * share words are near), behind LlamaIndex's own `BaseEmbedding`. Counts the texts it embeds.
 */
export class HashingEmbedding extends BaseEmbedding {
  readonly #provider = createHashingProvider({ dimensions: 256 });
  embedded = 0;

  // biome-ignore lint/complexity/noUselessConstructor: BaseEmbedding's constructor is protected; this makes it public.
  constructor() {
    super();
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    this.embedded++;
    const [v] = await this.#provider.embed([text]);
    return Array.from(v ?? []);
  }
}
