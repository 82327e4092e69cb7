import { VecdexError } from '../errors/vecdex-error.js';

/** What a failed embedding request says about retrying it. */
export interface ProviderFailure {
  /** Whether the same request may succeed later (429, 5xx, timeouts, bad responses). */
  retryable: boolean;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /** HTTP status, when there was a response. */
  status?: number;
}

/**
 * The error providers throw for a failed request: a `VecdexError` with code `PROVIDER_FAILURE`
 * and `details: { retryable, retryAfterMs?, status? }`, which the retry loop reads. Messages
 * never contain API keys.
 *
 * ```ts
 * throw providerError('server answered 503', { retryable: true, status: 503, retryAfterMs: 2000 })
 * ```
 */
export function providerError(message: string, failure: ProviderFailure, cause?: unknown): VecdexError {
  const details: Record<string, unknown> = { retryable: failure.retryable };
  if (failure.retryAfterMs !== undefined) details.retryAfterMs = failure.retryAfterMs;
  if (failure.status !== undefined) details.status = failure.status;
  return new VecdexError('PROVIDER_FAILURE', message, { cause, details });
}

/**
 * How the retry loop sees any error thrown by `embed`: a provider error's own details, an abort
 * (our timeout) as retryable, and anything else from a third-party provider as retryable too,
 * bounded by the attempt limit.
 */
export function failureOf(err: unknown): ProviderFailure {
  if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'PROVIDER_FAILURE') {
    const d = (err as VecdexError).details;
    return {
      retryable: d.retryable !== false,
      retryAfterMs: typeof d.retryAfterMs === 'number' ? d.retryAfterMs : undefined,
      status: typeof d.status === 'number' ? d.status : undefined,
    };
  }
  return { retryable: true };
}
