import { type EmbeddingProvider, type RetryPolicy, embedWithRetry } from '@vecdex/core';
import { BaseEmbedding } from 'llamaindex';

/**
 * A LlamaIndex embedding model over a vecdex embedding provider (the offline `hashing` one,
 * `openai` for any OpenAI-compatible server, a plugin such as `@vecdex/provider-ai-sdk`), with
 * vecdex's retries, backoff and time limit on every batch. Texts go in batches of the
 * provider's `maxBatchSize`; the model name stays the provider's, so a collection written
 * through LlamaIndex can also be queried by text from vecdex.
 *
 * ```ts
 * Settings.embedModel = new VecdexEmbedding(createHashingProvider({ dimensions: 512 }))
 * ```
 */
export class VecdexEmbedding extends BaseEmbedding {
  readonly provider: EmbeddingProvider;
  readonly #retry: Partial<RetryPolicy>;

  constructor(provider: EmbeddingProvider, options: { retry?: Partial<RetryPolicy> } = {}) {
    super();
    this.provider = provider;
    this.#retry = options.retry ?? {};
    this.embedBatchSize = provider.maxBatchSize ?? 64;
    this.getTextEmbeddings = async (texts: string[]) => {
      const vectors = await embedWithRetry(this.provider, [...texts], { policy: this.#retry });
      return vectors.map((v) => Array.from(v));
    };
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    const [v] = await this.getTextEmbeddings([text]);
    return v ?? [];
  }
}
