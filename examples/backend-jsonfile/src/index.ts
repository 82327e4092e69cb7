/**
 * vecdex-backend-jsonfile: an example third-party storage backend. Items live in memory and are
 * persisted as one JSON snapshot written atomically after every write; exact search is brute
 * force with core's `distance()` and `filterPredicate`; the change feed is driven by a monotonic
 * sequence number, not by the clock. It passes `backendConformanceSuite` from
 * `@vecdex/core/testing`. Good for tests, demos and small data sets (every write rewrites the
 * file), and as a template for writing your own backend.
 *
 * ```json
 * // vecdex.config.json
 * { "backend": { "use": "vecdex-backend-jsonfile", "options": { "path": "./vecdex.json" } } }
 * ```
 */
import { definePlugin } from '@vecdex/core';
import { JsonFileBackend } from './jsonfile-backend.js';
import { type JsonFileOptions, resolveOptions } from './jsonfile-options.js';

export default definePlugin({
  kind: 'backend',
  name: 'jsonfile',
  optionsFromEnv: (env): Partial<JsonFileOptions> => (env.VECDEX_JSONFILE_PATH ? { path: env.VECDEX_JSONFILE_PATH } : {}),
  create: (options: JsonFileOptions, { baseDir }) => JsonFileBackend.open(resolveOptions(options, baseDir)),
});

/** Open a store directly, without a config (tests, scripts). */
export function createJsonFileBackend(options: JsonFileOptions = {}, baseDir = process.cwd()): Promise<JsonFileBackend> {
  return JsonFileBackend.open(resolveOptions(options, baseDir));
}

export { JsonFileBackend } from './jsonfile-backend.js';
export type { JsonFileOptions } from './jsonfile-options.js';
