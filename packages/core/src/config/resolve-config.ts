import path from 'node:path';
import { isPlugin } from '../contracts/plugin.js';
import { BACKEND_ALIASES, DEFAULT_BACKEND, type PluginRef, type ResolvedConfig, type VecdexConfig } from './vecdex-config.js';

/**
 * Apply defaults and the core's environment overrides:
 * - `VECDEX_BACKEND` replaces the backend (package name, path or alias like `sqlitevec`); options
 *   from the file are dropped when it names a different backend.
 * - `VECDEX_DATA_DIR` replaces `dataDir` (a relative path resolves against the working directory,
 *   as a shell user expects; `dataDir` in a file resolves against the file's directory).
 * Backend-specific variables (`VECDEX_SQLITE_PATH`, `VECDEX_DB_URL`) are read by the backend
 * plugin's `optionsFromEnv` when it is loaded.
 */
export function resolveConfig(
  config: VecdexConfig,
  ctx: { baseDir: string; configPath: string | null; env: NodeJS.ProcessEnv },
): ResolvedConfig {
  const b = config.backend;
  let use: PluginRef = DEFAULT_BACKEND;
  let options: { [key: string]: unknown } = {};
  if (typeof b === 'string' || isPlugin(b)) use = b;
  else if (b !== undefined) {
    use = b.use;
    options = { ...(b.options ?? {}) };
  }
  use = expandAlias(use);
  const envBackend = ctx.env.VECDEX_BACKEND;
  if (envBackend !== undefined && envBackend !== '') {
    const replaced = expandAlias(envBackend);
    if (replaced !== use) options = {};
    use = replaced;
  }
  const envDataDir = ctx.env.VECDEX_DATA_DIR;
  const dataDir =
    envDataDir !== undefined && envDataDir !== ''
      ? path.resolve(envDataDir)
      : path.resolve(ctx.baseDir, config.dataDir || '.vecdex');
  return Object.freeze({
    backend: Object.freeze({ use, options: Object.freeze(options) }),
    plugins: Object.freeze([...(config.plugins ?? [])]),
    dataDir,
    embedding: Object.freeze({ ...(config.embedding ?? {}) }),
    baseDir: ctx.baseDir,
    configPath: ctx.configPath,
  });
}

function expandAlias(ref: PluginRef): PluginRef {
  return typeof ref === 'string' ? (BACKEND_ALIASES[ref] ?? ref) : ref;
}
