import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from './backoff.js';
import { failureOf, providerError } from './provider-error.js';
import type { OtelSpan } from '../telemetry/otel-api.js';
import { telemetry, traced } from '../telemetry/telemetry.js';

export interface EmbedAttemptEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  error: unknown;
  /** Milliseconds until the next attempt. */
  delayMs: number;
}

export interface EmbedWithRetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Aborts waiting and the request in flight (Ctrl-C). */
  signal?: AbortSignal;
  /** Called before each retry. */
  onRetry?: (event: EmbedAttemptEvent) => void;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

/** A failed batch: the last error, and how many attempts were made. */
export class EmbedBatchError extends VecdexError {
  readonly attempts: number;
  readonly retryable: boolean;
  constructor(last: unknown, attempts: number, retryable: boolean) {
    const msg = last instanceof Error ? last.message : String(last);
    super('PROVIDER_FAILURE', `embedding failed after ${attempts} attempt(s): ${msg}`, {
      cause: last,
      details: { attempts, retryable },
    });
    this.attempts = attempts;
    this.retryable = retryable;
  }
}

/**
 * Embed one batch, retrying as the policy says: each attempt is cut off at `timeoutMs` (through
 * the signal handed to `embed`, and by not waiting longer even for a provider that ignores it);
 * retryable failures (429, 5xx, timeouts, invalid responses, network errors) wait with
 * exponential backoff and bounded jitter, at least as long as a `Retry-After`; a non-retryable
 * one (400, 401) fails at once. Also checks what any provider returns: one finite vector per
 * text, all of one length. Throws {@link EmbedBatchError} when the batch finally fails.
 */
export function embedWithRetry(
  provider: EmbeddingProvider,
  texts: readonly string[],
  options: EmbedWithRetryOptions = {},
): Promise<Float32Array[]> {
  const t = telemetry();
  if (t === null) return embedBatch(provider, texts, options, null);
  const attributes = { 'vecdex.model': provider.model, 'vecdex.batch.size': texts.length };
  return traced('vecdex.embed', attributes, (span) => embedBatch(provider, texts, options, span));
}

async function embedBatch(
  provider: EmbeddingProvider,
  texts: readonly string[],
  options: EmbedWithRetryOptions,
  span: OtelSpan | null,
): Promise<Float32Array[]> {
  const t = telemetry();
  const model = { 'vecdex.model': provider.model };
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    t?.providerRequests.add(1, model);
    span?.setAttributes({ 'vecdex.attempts': attempt });
    try {
      return checkVectors(await attemptOnce(provider, texts, policy.timeoutMs, options.signal), texts.length, provider);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const failure = failureOf(err);
      if (!failure.retryable || attempt >= policy.maxAttempts) throw new EmbedBatchError(err, attempt, failure.retryable);
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        throw new EmbedBatchError(
          providerError(
            `the server asked to wait ${Math.ceil(failure.retryAfterMs / 1000)} s (Retry-After), longer than the ${policy.maxRetryAfterMs / 1000} s allowed; re-run later`,
            failure,
            err,
          ),
          attempt,
          true,
        );
      }
      const delayMs = backoffDelay(attempt, policy, failure.retryAfterMs, options.random);
      t?.providerRetries.add(1, model);
      options.onRetry?.({ attempt, error: err, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

async function attemptOnce(
  provider: EmbeddingProvider,
  texts: readonly string[],
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<Float32Array[]> {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = providerError(`the request took longer than ${timeoutMs} ms and was abandoned`, { retryable: true });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([provider.embed(texts, { signal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

function checkVectors(vectors: unknown, count: number, provider: EmbeddingProvider): Float32Array[] {
  const bad = (what: string) => providerError(`provider "${provider.model}" returned ${what}`, { retryable: true });
  if (!Array.isArray(vectors)) throw bad('something other than an array of vectors');
  if (vectors.length !== count) throw bad(`${vectors.length} vectors for ${count} texts`);
  const dims = provider.dimensions ?? (vectors[0] as Float32Array | undefined)?.length;
  for (const v of vectors) {
    if (!(v instanceof Float32Array)) throw bad('a vector that is not a Float32Array');
    if (v.length !== dims || v.length === 0) throw bad(`a vector of length ${v.length}, expected ${dims}`);
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw bad('a vector with a non-finite number');
  }
  return vectors as Float32Array[];
}
