import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { contentHash, estimateTokens } from '../ingest/content-hash.js';
import { TaskPool } from '../ingest/task-pool.js';
import { DEFAULT_RETRY_POLICY } from '../providers/backoff.js';
import type { ProviderRequest } from '../providers/create-provider.js';
import { embedWithRetry } from '../providers/embed-with-retry.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import type { QueryCache, QuerySource } from './query-cache.js';
import { checkQueryText } from './query-text.js';
import { type QueryModel, createQueryProvider } from './query-provider.js';

/** Default bound on embedding one batch of query texts, retries included (`embedding.queryTimeoutMs`). */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** Query texts turned into vectors, in the order given, with where each came from. */
export interface EmbeddedQueries {
  model: string;
  vectors: Float32Array[];
  sources: QuerySource[];
}

/**
 * Embeds query texts for a collection's recorded model: cache first (memory, then the store's
 * persistent cache), then the provider, with every text not cached sent in as few requests as
 * the provider's batch size allows (one, usually), under the ingest pipeline's retry and backoff
 * rules, bounded by `queryTimeoutMs` so a query fails in time when the provider is down.
 */
export class QueryEmbedder {
  readonly #registry: PluginRegistry;
  readonly #settings: ProviderRequest;
  readonly #env: NodeJS.ProcessEnv;
  readonly cache: QueryCache;
  readonly #providers = new Map<string, Promise<EmbeddingProvider>>();
  /** Vectors being fetched from a provider, by dimensions and content hash. */
  readonly #inFlight = new Map<string, Promise<Float32Array>>();

  constructor(options: { registry: PluginRegistry; settings: ProviderRequest; env: NodeJS.ProcessEnv; cache: QueryCache }) {
    this.#registry = options.registry;
    this.#settings = options.settings;
    this.#env = options.env;
    this.cache = options.cache;
  }

  /** One vector per text, for `target`'s model and dimensions. */
  async embed(target: QueryModel, texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<EmbeddedQueries> {
    for (const [i, t] of texts.entries()) checkQueryText(t, texts.length === 1 ? 'text' : `texts[${i}]`);
    const { model, dimensions } = target;
    const hashes = texts.map((t) => contentHash(model, t));
    const found = await this.cache.lookup(model, dimensions, hashes);
    const missing = new Map<string, string>(); // hash → text, each distinct text once
    hashes.forEach((h, i) => {
      if (!found.has(h)) missing.set(h, texts[i] as string);
    });
    // Texts another call is embedding right now are awaited, not requested twice.
    const shared: [string, Promise<Float32Array>][] = [];
    for (const hash of [...missing.keys()]) {
      const running = this.#inFlight.get(flightKey(dimensions, hash));
      if (running === undefined) continue;
      shared.push([hash, running]);
      missing.delete(hash);
    }
    if (missing.size > 0) {
      const job = (async () => {
        const provider = await this.#provider(target);
        for (const text of missing.values()) checkLimit(provider, text);
        return this.#request(provider, target, [...missing], options.signal);
      })();
      for (const hash of missing.keys()) {
        const key = flightKey(dimensions, hash);
        const one = job.then((made) => made.get(hash) as Float32Array);
        this.#inFlight.set(key, one);
        one.then(
          () => this.#inFlight.delete(key),
          () => this.#inFlight.delete(key),
        );
      }
      const made = await job;
      for (const [hash, vector] of made) found.set(hash, { vector, source: 'provider' });
      await this.cache.remember(
        model,
        dimensions,
        [...made].map(([hash, vector]) => ({ hash, vector })),
      );
    }
    for (const [hash, running] of shared) found.set(hash, { vector: await running, source: 'provider' });
    const hits = hashes.map((h) => found.get(h) as { vector: Float32Array; source: QuerySource });
    return { model, vectors: hits.map((h) => h.vector), sources: hits.map((h) => h.source) };
  }

  /** The texts' vectors from the provider: batches of its size, a few in flight at once. */
  async #request(
    provider: EmbeddingProvider,
    target: QueryModel,
    entries: [string, string][],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, Float32Array>> {
    const s = this.#settings;
    const size = Math.max(
      1,
      Math.min(s.batchSize ?? provider.maxBatchSize ?? 64, provider.maxBatchSize ?? Number.MAX_SAFE_INTEGER),
    );
    const out = new Map<string, Float32Array>();
    const pool = new TaskPool(s.concurrency ?? 4);
    for (let i = 0; i < entries.length; i += size) {
      const batch = entries.slice(i, i + size);
      await pool.run(async () => {
        const vectors = await this.#embedWithin(
          provider,
          target,
          batch.map(([, t]) => t),
          signal,
        );
        for (const [j, [hash]] of batch.entries()) out.set(hash, vectors[j] as Float32Array);
      });
    }
    await pool.drain();
    return out;
  }

  /** One batch, retried as ingest retries, all within `queryTimeoutMs`. */
  async #embedWithin(
    provider: EmbeddingProvider,
    target: QueryModel,
    texts: string[],
    signal: AbortSignal | undefined,
  ): Promise<Float32Array[]> {
    const s = this.#settings;
    const totalMs = s.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(totalMs);
    const both = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    let failed = 0;
    let last: unknown;
    try {
      const vectors = await embedWithRetry(provider, texts, {
        policy: {
          maxAttempts: s.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
          timeoutMs: Math.min(s.timeoutMs ?? DEFAULT_RETRY_POLICY.timeoutMs, totalMs),
          // A server asking to wait longer than the whole query may take: fail now, not at the deadline.
          maxRetryAfterMs: totalMs,
        },
        signal: both,
        onRetry: (e) => {
          failed = e.attempt;
          last = e.error;
        },
      });
      this.cache.noteProviderCall(texts.length, failed + 1);
      for (const v of vectors) {
        if (v.length !== target.dimensions) {
          throw new VecdexError(
            'DIMENSION_MISMATCH',
            `model "${target.model}" returned a ${v.length}-dimensional vector, but ${target.what} holds ${target.dimensions}-dimensional ones`,
            { details: { expected: target.dimensions, actual: v.length } },
          );
        }
      }
      return vectors;
    } catch (err) {
      const attempts = (err as { attempts?: number }).attempts ?? failed + 1;
      this.cache.noteProviderCall(texts.length, attempts);
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) {
        const why = last instanceof Error ? `; the last attempt failed: ${last.message}` : '';
        throw new VecdexError(
          'PROVIDER_FAILURE',
          `embedding the query text with model "${target.model}" did not finish within ${totalMs} ms (embedding.queryTimeoutMs) after ${attempts} attempt(s)${why}; if the provider is only slow, raise embedding.queryTimeoutMs (--timeout)`,
          { cause: last ?? err, details: { attempts, retryable: true, timeoutMs: totalMs } },
        );
      }
      throw err;
    }
  }

  #provider(target: QueryModel): Promise<EmbeddingProvider> {
    const key = `${target.dimensions}\u0000${target.model}`;
    let p = this.#providers.get(key);
    if (p === undefined) {
      p = createQueryProvider(this.#registry, this.#settings, target, this.#env);
      this.#providers.set(key, p);
      p.catch(() => this.#providers.delete(key));
    }
    return p;
  }
}

function flightKey(dimensions: number, hash: string): string {
  return `${dimensions}:${hash}`;
}

/** A text the provider declares too long is refused before any request. */
function checkLimit(provider: EmbeddingProvider, text: string): void {
  const limit = provider.maxInputTokens;
  if (limit === undefined) return;
  const tokens = estimateTokens(text);
  if (tokens > limit) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `the query text is about ${tokens} tokens (${text.length} characters / 4), over model "${provider.model}"'s limit of ${limit}; shorten it`,
      { details: { name: 'text', tokens, limit } },
    );
  }
}
