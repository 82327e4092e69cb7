import type { VecdexPlugin } from '../contracts/plugin.js';

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
}

/** A config after defaults, environment overrides and validation; frozen. */
export interface ResolvedConfig {
  readonly backend: { readonly use: PluginRef; readonly options: { readonly [key: string]: unknown } };
  readonly plugins: readonly PluginRef[];
  readonly dataDir: string;
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
