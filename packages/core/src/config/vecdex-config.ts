import type { VecdexPlugin } from '../contracts/plugin.js';
import type { QueryCacheOptions } from '../query/query-cache.js';

/** A plugin named by package (`"@vecdex/backend-sqlitevec"`), by path (`"./my-plugin.js"`), or given directly. */
export type PluginRef = string | VecdexPlugin;

/**
 * The config file's shape. Write it with {@link defineConfig} for type checking:
 *
 * ```ts
 * // vecdex.config.ts
 * import { defineConfig } from '@vecdex/core'
 * export default defineConfig({
 *   backend: { use: '@vecdex/backend-sqlitevec', options: { path: './data/vecdex.db' } },
 *   plugins: ['@vecdex/index-hnswlib'],
 * })
 * ```
 */
export interface VecdexConfig {
  /**
   * The storage backend: a plugin reference, or `{ use, options }`. Short names `sqlitevec` and
   * `pgvector` stand for `@vecdex/backend-sqlitevec` and `@vecdex/backend-pgvector`.
   * Default: sqlitevec with `./vecdex.db`.
   */
  backend?: PluginRef | { use: PluginRef; options?: { [key: string]: unknown } };
  /** Index and provider plugins to load. */
  plugins?: PluginRef[];
  /** Where index files live; relative to the config file. Default `.vecdex`. */
  dataDir?: string;
  /** How `vecdex embed` / `ingest()` turn text into vectors; CLI flags override each key. */
  embedding?: EmbeddingConfig;
}

/**
 * The embedding provider and its settings. API keys are never written here: name the
 * environment variable that holds one (`apiKeyEnv`).
 *
 * ```ts
 * embedding: { provider: 'openai', model: 'text-embedding-3-small', apiKeyEnv: 'OPENAI_API_KEY' }
 * embedding: { provider: 'openai', apiBase: 'http://localhost:11434/v1', model: 'nomic-embed-text' } // Ollama
 * embedding: { provider: 'hashing', dimensions: 512 }   // offline, lexical (the default)
 * ```
 */
export interface EmbeddingConfig {
  /** `hashing` (built in, offline; the default), `openai` (built in, any OpenAI-compatible API) or a provider plugin's name. */
  provider?: string;
  model?: string;
  /** Base URL of an OpenAI-compatible API (requests go to `{apiBase}/embeddings`). */
  apiBase?: string;
  /** Name of the environment variable holding the API key (default: VECDEX_API_KEY, then OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Vector length (hashing: the size; others: checked against responses). */
  dimensions?: number;
  /** Texts per request. */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Time limit per request in milliseconds (default 60,000). */
  timeoutMs?: number;
  /** Attempts per batch, the first included (default 6). */
  maxAttempts?: number;
  /** The model's input limit in tokens: longer texts are refused before any request (see `EmbeddingProvider.maxInputTokens`). */
  maxInputTokens?: number;
  /**
   * Time limit for embedding a query text, retries included, in milliseconds (default 30,000):
   * a text query whose provider is down fails with `PROVIDER_FAILURE` within it.
   */
  queryTimeoutMs?: number;
  /** The query-embedding cache (memory LRU + the store's persistent cache); `false` turns it off. */
  queryCache?: QueryCacheOptions | false;
  /** More options handed to a plugin provider's `create`. */
  options?: { [key: string]: unknown };
}

/** A config after defaults, environment overrides and validation; frozen. */
export interface ResolvedConfig {
  readonly backend: { readonly use: PluginRef; readonly options: { readonly [key: string]: unknown } };
  readonly plugins: readonly PluginRef[];
  readonly dataDir: string;
  /** The `embedding` section as written (empty when absent). */
  readonly embedding: Readonly<EmbeddingConfig>;
  /** Directory relative paths resolve against: the config file's, or the working directory. */
  readonly baseDir: string;
  /** The file the config came from, or null when defaults were used. */
  readonly configPath: string | null;
}

/** Identity helper that gives a config file type checking and editor completion. */
export function defineConfig(config: VecdexConfig): VecdexConfig {
  return config;
}

/** Short names for first-party backends. */
export const BACKEND_ALIASES: Readonly<Record<string, string>> = {
  sqlitevec: '@vecdex/backend-sqlitevec',
  pgvector: '@vecdex/backend-pgvector',
};

export const DEFAULT_BACKEND = '@vecdex/backend-sqlitevec';
