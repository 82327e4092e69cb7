import { parseRetryAfter, providerError, type VecdexError } from '@vecdex/core';

/** The fields of the AI SDK's `APICallError` read here (structural: no import of its class). */
interface ApiCallErrorLike {
  name: string;
  message: string;
  statusCode?: number;
  isRetryable?: boolean;
  responseHeaders?: Record<string, string>;
}

/**
 * A failed `embedMany` call as vecdex's retry loop reads it (`PROVIDER_FAILURE` with
 * `retryable`, `status`, `retryAfterMs`). The AI SDK's own retries are off (`maxRetries: 0`), so
 * the error is the provider's `APICallError` (or one wrapping it as `cause`/`lastError`): its
 * `isRetryable` (429, 408, 409, 5xx, network errors) decides, and `Retry-After` / `retry-after-ms`
 * set the wait. Anything else from the SDK (an invalid response body) counts as retryable, bounded
 * by vecdex's attempt limit, as for any third-party provider.
 */
export function aiSdkFailure(err: unknown, model: string): VecdexError {
  const api = findApiCallError(err);
  const message = err instanceof Error ? err.message : String(err);
  if (api === null) return providerError(`AI SDK model "${model}" failed: ${oneLine(message)}`, { retryable: true }, err);
  const status = api.statusCode;
  const headers = lowerKeys(api.responseHeaders ?? {});
  const ms = headers['retry-after-ms'] !== undefined ? Number.parseFloat(headers['retry-after-ms']) : Number.NaN;
  const retryAfterMs = Number.isFinite(ms) && ms >= 0 ? ms : parseRetryAfter(headers['retry-after'] ?? null);
  const retryable = api.isRetryable === true || status === 408 || status === 429 || (status !== undefined && status >= 500);
  const hint = status === 401 || status === 403 ? '; check the API key (embedding.apiKeyEnv names its variable)' : '';
  return providerError(
    `AI SDK model "${model}"${status !== undefined ? ` answered ${status}` : ' failed'}: ${oneLine(api.message)}${hint}`,
    { retryable, ...(status !== undefined ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    err,
  );
}

function findApiCallError(err: unknown): ApiCallErrorLike | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const o = e as ApiCallErrorLike & { cause?: unknown; lastError?: unknown };
    if (o.name === 'AI_APICallError') return o;
    e = o.lastError ?? o.cause;
  }
  return null;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
