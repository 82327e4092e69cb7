import path from 'node:path';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { loadConfig, resolveInlineConfig } from '../config/load-config.js';
import type { ResolvedConfig, VecdexConfig } from '../config/vecdex-config.js';
import { definePlugin } from '../contracts/plugin.js';
import { checkPluginOptions } from '../registry/check-plugin-options.js';
import { loadPlugin } from '../registry/load-plugin.js';
import type { ProviderRequest } from '../providers/create-provider.js';
import { PluginRegistry } from '../registry/plugin-registry.js';
import { Vecdex } from './vecdex.js';
import { loadTelemetry } from '../telemetry/telemetry.js';

export interface OpenVecdexOptions {
  /** A config object, or the path of a config file. Default: search from `cwd` (see `loadConfig`). */
  config?: VecdexConfig | string;
  /** Where the config search starts and relative paths resolve. Default: `process.cwd()`. */
  cwd?: string;
  /** Environment for overrides (`VECDEX_BACKEND`, `VECDEX_SQLITE_PATH`, ...). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Use this backend instead of the configured one (embedding vecdex in an app, tests). */
  backend?: StorageBackend;
  /** More directories to resolve plugin packages from (after the config's and `cwd`). */
  resolvePaths?: readonly string[];
  /**
   * Embedding settings over the config's `embedding` section, for embedding query texts
   * (`similar({ text })`): e.g. `{ apiBase: 'http://localhost:11434/v1' }` or an `apiKey`.
   */
  embedding?: ProviderRequest;
}

/**
 * Open a vecdex store as configured: load the config, import the backend plugin named there
 * (from the project's `node_modules`), apply environment overrides, open the backend and load
 * the other plugins.
 */
export async function openVecdex(options: OpenVecdexOptions = {}): Promise<Vecdex> {
  await loadTelemetry();
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const config: ResolvedConfig =
    typeof options.config === 'object'
      ? resolveInlineConfig(options.config, { cwd, env })
      : await loadConfig({ file: options.config, cwd, env });
  const resolvePaths = [config.baseDir, cwd, ...(options.resolvePaths ?? [])];
  const plugins = new PluginRegistry();
  for (const ref of config.plugins) {
    plugins.add(await loadPlugin(ref, { resolvePaths, baseDir: config.baseDir }));
  }
  let backend = options.backend;
  if (backend === undefined) {
    const plugin = await loadPlugin(config.backend.use, { kind: 'backend', resolvePaths, baseDir: config.baseDir });
    checkPluginOptions(plugin, config.backend.options, 'backend.options');
    const fromEnv = plugin.optionsFromEnv?.(env) ?? {};
    backend = await plugin.create({ ...config.backend.options, ...fromEnv }, { baseDir: config.baseDir });
  }
  for (const spec of backend.indexPlugins?.() ?? []) plugins.add(definePlugin(spec));
  return new Vecdex(backend, config, plugins, { env, ...(options.embedding ? { embedding: options.embedding } : {}) });
}
