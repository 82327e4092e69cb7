import type { StorageBackend } from './storage-backend.js';
import type { IndexPluginSpec } from './index-plugin.js';
import type { ProviderPluginSpec } from './embedding-provider.js';
import type { DoctorCheck } from './doctor-check.js';

/**
 * The version of the plugin contracts this core implements. A plugin built against another
 * version is refused with a message naming its package. Bumped only on breaking changes.
 */
export const CONTRACT_VERSION = 1;

const PLUGIN_BRAND = Symbol.for('vecdex.plugin');

export interface BackendCreateContext {
  /** Directory relative paths in options resolve against (the config file's directory). */
  baseDir: string;
}

export interface BackendPluginSpec<Options = { [key: string]: unknown }> {
  readonly kind: 'backend';
  /** Short name, e.g. `sqlitevec`. */
  readonly name: string;
  /**
   * Optional: the option keys this backend takes. When given, core refuses any other key in
   * `backend.options` with `CONFIG_INVALID`, naming the key and suggesting the closest known one.
   */
  readonly options?: readonly string[];
  /**
   * Options taken from environment variables (e.g. `VECDEX_SQLITE_PATH`). They override the
   * config file. Never log what you return: it may hold secrets.
   */
  optionsFromEnv?(env: NodeJS.ProcessEnv): Partial<Options>;
  /** Open a backend (connect, migrate). Throw typed errors for bad options or stores. */
  create(options: Options, context: BackendCreateContext): Promise<StorageBackend>;
  /**
   * Optional. Open an existing store for inspection (`vecdex doctor`) without writing a byte:
   * no file or schema created, no migration, no pragma that writes. Reads must work; writes may
   * throw. Without it, doctor reports the store checks as skipped rather than risk a write.
   */
  openForInspection?(options: Options, context: BackendCreateContext): Promise<StorageBackend>;
  /**
   * Optional. Checks that need no open store, such as whether the backend's native add-ons load
   * (`vecdex doctor`). See {@link DoctorCheck}.
   */
  diagnose?(): Promise<DoctorCheck[]>;
}

export type PluginSpec = BackendPluginSpec<any> | IndexPluginSpec | ProviderPluginSpec;

/** A plugin as exported by a package: its spec plus the contract version it was built for. */
export type VecdexPlugin<S extends PluginSpec = PluginSpec> = S & {
  readonly contractVersion: number;
  readonly [PLUGIN_BRAND]: true;
};

/**
 * Make a plugin. A plugin package's default export is the result:
 *
 * ```ts
 * import { definePlugin } from '@vecdex/core'
 * export default definePlugin({ kind: 'backend', name: 'my-store', async create(options) { ... } })
 * ```
 */
export function definePlugin<S extends PluginSpec>(spec: S): VecdexPlugin<S> {
  return Object.freeze({ ...spec, contractVersion: CONTRACT_VERSION, [PLUGIN_BRAND]: true }) as unknown as VecdexPlugin<S>;
}

/** True for a value made by `definePlugin` (from any copy of core). */
export function isPlugin(value: unknown): value is VecdexPlugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}
