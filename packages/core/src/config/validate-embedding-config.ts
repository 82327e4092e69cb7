import { VecdexError } from '../errors/vecdex-error.js';

type Bad = (key: string, expected: string, got: unknown) => never;

const STRING_KEYS = ['provider', 'model', 'apiBase', 'apiKeyEnv'];
const INT_KEYS = ['dimensions', 'batchSize', 'concurrency', 'timeoutMs', 'maxAttempts', 'maxInputTokens', 'queryTimeoutMs'];
const KEYS = [...STRING_KEYS, ...INT_KEYS, 'options', 'queryCache'];
const CACHE_KEYS = ['maxEntries', 'ttlMs', 'store'];

/**
 * Check the config's `embedding` section. An API key written into the config is refused (config
 * files get committed and printed): name the environment variable instead.
 */
export function validateEmbeddingConfig(raw: unknown, bad: Bad): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('embedding', 'an object', raw);
  const e = raw as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (key === 'apiKey') {
      throw new VecdexError(
        'CONFIG_INVALID',
        'config key "embedding.apiKey" is not allowed: keep API keys out of config files; set an environment variable (e.g. OPENAI_API_KEY) and name it with "embedding.apiKeyEnv"',
        { details: { key: 'embedding.apiKey' } },
      );
    }
    if (!KEYS.includes(key)) bad(`embedding.${key}`, `absent (known keys: ${KEYS.join(', ')})`, e[key]);
  }
  for (const key of STRING_KEYS) {
    if (e[key] !== undefined && (typeof e[key] !== 'string' || e[key] === ''))
      bad(`embedding.${key}`, 'a non-empty string', e[key]);
  }
  for (const key of INT_KEYS) {
    const v = e[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1))
      bad(`embedding.${key}`, 'a positive integer', v);
  }
  const o = e.options;
  if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) bad('embedding.options', 'an object', o);
  validateQueryCache(e.queryCache, bad);
}

/** `embedding.queryCache`: false, or `{ maxEntries?, ttlMs?, store? }`. */
function validateQueryCache(q: unknown, bad: Bad): void {
  if (q === undefined || q === false) return;
  if (typeof q !== 'object' || q === null || Array.isArray(q)) bad('embedding.queryCache', 'false or an object', q);
  const c = q as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!CACHE_KEYS.includes(key)) bad(`embedding.queryCache.${key}`, `absent (known keys: ${CACHE_KEYS.join(', ')})`, c[key]);
  }
  for (const key of ['maxEntries', 'ttlMs']) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0))
      bad(`embedding.queryCache.${key}`, 'an integer ≥ 0', v);
  }
  if (c.store !== undefined && typeof c.store !== 'boolean') bad('embedding.queryCache.store', 'true or false', c.store);
}
