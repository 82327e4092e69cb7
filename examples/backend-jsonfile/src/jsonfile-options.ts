import path from 'node:path';
import { VecdexError } from '@vecdex/core';

/** Options of the jsonfile backend, from the config's `backend.options` (and `VECDEX_JSONFILE_PATH`). */
export interface JsonFileOptions {
  /** The snapshot file; relative paths resolve against the config file's directory. Default `vecdex.json`. */
  path?: string;
  /** Wall clock in ms since the epoch (tests inject one); default `Date.now`. */
  clock?: () => number;
}

export interface ResolvedOptions {
  file: string;
  clock: () => number;
}

export function resolveOptions(options: JsonFileOptions, baseDir: string): ResolvedOptions {
  const file = options.path ?? 'vecdex.json';
  if (typeof file !== 'string' || file.length === 0) {
    throw new VecdexError('CONFIG_INVALID', 'backend option "path" of vecdex-backend-jsonfile must be a non-empty file path', {
      details: { key: 'backend.options.path' },
    });
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new VecdexError('CONFIG_INVALID', 'backend option "clock" of vecdex-backend-jsonfile must be a function returning ms', {
      details: { key: 'backend.options.clock' },
    });
  }
  return { file: path.resolve(baseDir, file), clock: options.clock ?? Date.now };
}
