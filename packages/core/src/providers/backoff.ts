/** How failed embedding requests are retried. */
export interface RetryPolicy {
  /** Attempts per batch, the first included (default 6). */
  maxAttempts: number;
  /** Delay before the first retry, before jitter (default 500 ms); doubles each retry. */
  baseDelayMs: number;
  /** Cap on the exponential delay (default 30 s). */
  maxDelayMs: number;
  /** Fraction of the delay taken off at random, 0..1 (default 0.5): delay ∈ [d·(1−jitter), d]. */
  jitter: number;
  /** A `Retry-After` longer than this fails the batch instead of waiting (default 120 s). */
  maxRetryAfterMs: number;
  /** Time limit per request (default 60 s); a request past it is aborted and retried. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.5,
  maxRetryAfterMs: 120_000,
  timeoutMs: 60_000,
});

/**
 * The wait before retry number `retry` (1 = the first retry): exponential backoff with bounded
 * jitter, `base·2^(retry−1)` capped at `maxDelayMs`, minus up to `jitter` of it at random. A
 * server's `Retry-After` is a floor: the wait is never shorter than what the server asked for.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'jitter'>,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const delay = exp * (1 - jitter * random());
  return retryAfterMs === undefined ? delay : Math.max(retryAfterMs, delay);
}

/** Wait `ms`, or reject as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
