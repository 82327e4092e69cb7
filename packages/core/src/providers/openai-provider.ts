import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import { probeApiBase } from './probe-api-base.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { redactUrlUserinfo } from '../errors/redact-url.js';
import { providerError } from './provider-error.js';
import { parseRetryAfter } from './retry-after.js';
import { validateEmbeddingResponse } from './validate-response.js';

export const DEFAULT_OPENAI_API_BASE = 'https://api.openai.com/v1';
export const DEFAULT_OPENAI_MODEL = 'text-embedding-3-small';

export interface OpenAIProviderOptions {
  /** Base URL; requests go to `{apiBase}/embeddings`. Default: OpenAI's. Ollama: `http://localhost:11434/v1`. */
  apiBase?: string;
  /** Sent as `Authorization: Bearer …` when given. Never printed. */
  apiKey?: string;
  model?: string;
  /** Expected vector length, checked on every response. Without it the collection's dimensions are used. */
  dimensions?: number;
  /** Texts per request (default 64). */
  maxBatchSize?: number;
  /** The model's input limit in tokens, when you want texts over it refused before any request (see `EmbeddingProvider.maxInputTokens`). */
  maxInputTokens?: number;
  /** For tests and proxies: the fetch implementation (default: global fetch). */
  fetch?: typeof fetch;
}

/**
 * A provider for any OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, LiteLLM, …):
 * `POST {apiBase}/embeddings` with `{model, input: [...]}`; vectors are read from
 * `data[i].embedding` and ordered by `data[i].index`. One call = one request: retries,
 * timeouts and concurrency are the ingest pipeline's (see `embedWithRetry`). Failures are
 * `PROVIDER_FAILURE` errors that say whether a retry may help: 408, 429 and 5xx, network
 * errors and invalid responses (malformed JSON, wrong count, bad or duplicate index, wrong
 * length, non-finite numbers) are retryable; other statuses (400, 401, 404) are not.
 *
 * ```ts
 * const p = createOpenAIProvider({ apiBase: 'http://localhost:11434/v1', model: 'nomic-embed-text' })
 * ```
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): EmbeddingProvider {
  const base = (options.apiBase ?? DEFAULT_OPENAI_API_BASE).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${base}/embeddings`);
  } catch {
    throw new VecdexError('INVALID_ARGUMENT', `apiBase must be a URL like https://api.openai.com/v1, got "${redactUrl(base)}"`);
  }
  const where = redactUrl(url.href);
  const model = options.model ?? DEFAULT_OPENAI_MODEL;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey !== undefined && options.apiKey !== '') headers.authorization = `Bearer ${options.apiKey}`;
  const dimensions = options.dimensions;

  return {
    model,
    dimensions,
    maxBatchSize: options.maxBatchSize ?? 64,
    ...(options.maxInputTokens !== undefined ? { maxInputTokens: options.maxInputTokens } : {}),
    async diagnose() {
      const { 'content-type': _, ...probeHeaders } = headers;
      return [await probeApiBase(base, probeHeaders, doFetch)];
    },
    async embed(texts, opts = {}) {
      if (texts.length === 0) return [];
      let res: Response;
      let body: string;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model, input: texts }),
          signal: opts.signal,
        });
        body = await res.text();
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        // fetch's own message may quote the URL, credentials included.
        const reason = redactUrlUserinfo((err as { cause?: { code?: string } }).cause?.code ?? String((err as Error).message));
        throw providerError(
          `could not reach ${where} (${reason}); check --api-base and that the server is running`,
          { retryable: true },
          err,
        );
      }
      if (!res.ok) {
        const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        const hint =
          res.status === 401 || res.status === 403 ? '; check the API key (--api-key or the environment variable)' : '';
        throw providerError(`${where} answered ${res.status} ${res.statusText}: ${excerpt(body)}${hint}`, {
          retryable,
          retryAfterMs,
          status: res.status,
        });
      }
      // Not learned from responses: a first response of the wrong length must not become the norm.
      return validateEmbeddingResponse(body, texts.length, dimensions, where);
    },
  };
}

/** The first 200 characters of an error body, on one line. */
function excerpt(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || '(empty body)';
}

/** A URL without user:password (also when the password holds `@`, `#` or `/`). */
function redactUrl(href: string): string {
  return redactUrlUserinfo(href);
}
