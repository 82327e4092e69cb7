import { type EmbeddingProvider, VecdexError } from '@vecdex/core';
import { type EmbeddingModel, embedMany } from 'ai';
import { aiSdkFailure } from './ai-sdk-failure.js';

/** Texts per request when neither the settings nor the model say less (as vecdex's `openai` provider). */
export const DEFAULT_AI_SDK_BATCH_SIZE = 64;

export interface AiSdkProviderOptions {
  /** The model name recorded on collections. Default: the model's `modelId`. */
  name?: string;
  /** Expected vector length, checked on every response (vecdex checks it for every provider). */
  dimensions?: number;
  /** Texts per `embedMany` call (default 64, at most the model's `maxEmbeddingsPerCall`). */
  batchSize?: number;
  /** The model's input limit in tokens: longer texts are refused before any request. */
  maxInputTokens?: number;
  /** Passed to every `embedMany` call (provider-specific settings, e.g. `{ openai: { dimensions: 512 } }`). */
  providerOptions?: { [provider: string]: { [key: string]: unknown } };
  /** Extra HTTP headers for every call. */
  headers?: Record<string, string>;
}

/**
 * A vecdex embedding provider over an AI SDK embedding model: each `embed` is one `embedMany`
 * call with the SDK's own retries off (`maxRetries: 0`), so vecdex's pipeline does the batching
 * (`maxBatchSize`), the retries with backoff and `Retry-After`, the timeouts, the concurrency and
 * the embedding cache, exactly as for its built-in providers. Errors become `PROVIDER_FAILURE`
 * errors that say whether a retry may help (see {@link aiSdkFailure}).
 *
 * ```ts
 * import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
 * const local = createOpenAICompatible({ name: 'local', baseURL: 'http://localhost:11434/v1' })
 * const provider = await createAiSdkProvider(local.embeddingModel('nomic-embed-text'))
 * ```
 */
export async function createAiSdkProvider(model: EmbeddingModel, options: AiSdkProviderOptions = {}): Promise<EmbeddingProvider> {
  if (typeof model !== 'object' || model === null || typeof (model as { doEmbed?: unknown }).doEmbed !== 'function') {
    throw new VecdexError(
      'CONFIG_INVALID',
      'the ai-sdk provider needs an AI SDK embedding model object (e.g. openai.embeddingModel("text-embedding-3-small")); model id strings for the AI Gateway are not supported',
      { details: { key: 'embedding.options' } },
    );
  }
  const name = options.name ?? model.modelId;
  const perCall = await model.maxEmbeddingsPerCall;
  const limit = typeof perCall === 'number' && Number.isFinite(perCall) && perCall >= 1 ? perCall : Number.POSITIVE_INFINITY;
  const maxBatchSize = Math.min(options.batchSize ?? DEFAULT_AI_SDK_BATCH_SIZE, limit);
  const { providerOptions, headers } = options;
  return {
    model: name,
    ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
    maxBatchSize,
    ...(options.maxInputTokens !== undefined ? { maxInputTokens: options.maxInputTokens } : {}),
    async embed(texts, opts = {}) {
      if (texts.length === 0) return [];
      let embeddings: number[][];
      try {
        ({ embeddings } = await embedMany({
          model,
          values: [...texts],
          maxRetries: 0,
          maxParallelCalls: 1,
          ...(opts.signal !== undefined ? { abortSignal: opts.signal } : {}),
          ...(providerOptions !== undefined ? { providerOptions: providerOptions as never } : {}),
          ...(headers !== undefined ? { headers } : {}),
        }));
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        throw aiSdkFailure(err, name);
      }
      return embeddings.map((e) => Float32Array.from(e));
    },
  };
}
