import { existsSync } from 'node:fs';
import path from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { VecdexError } from '../errors/vecdex-error.js';
import { resolveConfig } from './resolve-config.js';
import { validateConfig } from './validate-config.js';
import type { ResolvedConfig, VecdexConfig } from './vecdex-config.js';

/**
 * Where vecdex looks for a config, in each directory from the start directory up to the nearest
 * `package.json` (cosmiconfig's "project" strategy). JS and TS configs are *executed*: vecdex
 * never searches above the project directory.
 */
export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.vecdexrc',
  '.vecdexrc.json',
  '.vecdexrc.yaml',
  '.vecdexrc.yml',
  '.vecdexrc.js',
  '.vecdexrc.mjs',
  '.vecdexrc.cjs',
  '.vecdexrc.ts',
  'vecdex.config.json',
  'vecdex.config.yaml',
  'vecdex.config.yml',
  'vecdex.config.js',
  'vecdex.config.mjs',
  'vecdex.config.cjs',
  'vecdex.config.ts',
  'vecdex.config.mts',
];

// TypeScript configs load through jiti: Node 20 cannot import .ts files itself.
const loadTs: Loader = async (filepath) => {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false });
  return jiti.import(filepath, { default: true });
};

export interface LoadConfigOptions {
  /** A config file to load instead of searching (the CLI's `--config`, or `VECDEX_CONFIG`). */
  file?: string;
  /** Where the search starts. Default: the working directory. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Find, load, validate and resolve the config. Without any config file the defaults apply. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const explorer = cosmiconfig('vecdex', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'project',
    loaders: { '.ts': loadTs, '.mts': loadTs },
    cache: false,
  });
  const file = options.file ?? env.VECDEX_CONFIG;
  let found: { config: unknown; filepath: string } | null;
  try {
    if (file !== undefined && file !== '') {
      const abs = path.resolve(cwd, file);
      if (!existsSync(abs)) {
        throw new VecdexError('CONFIG_NOT_FOUND', `config file ${abs} does not exist`, { details: { file: abs } });
      }
      found = await explorer.load(abs);
    } else {
      found = await explorer.search(cwd);
    }
  } catch (err) {
    if (err instanceof VecdexError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new VecdexError('CONFIG_INVALID', `could not load the vecdex config: ${msg}`, { cause: err });
  }
  if (found === null || found.config === undefined || found.config === null) {
    return resolveConfig({}, { baseDir: cwd, configPath: found?.filepath ?? null, env });
  }
  const config = validateConfig(found.config, found.filepath);
  return resolveConfig(config, { baseDir: path.dirname(found.filepath), configPath: found.filepath, env });
}

/** Resolve an in-memory config (as `openVecdex({ config: {...} })` passes it). */
export function resolveInlineConfig(config: VecdexConfig, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedConfig {
  const valid = validateConfig(config, 'the config passed to openVecdex');
  return resolveConfig(valid, { baseDir: path.resolve(options.cwd ?? process.cwd()), configPath: null, env: options.env ?? process.env });
}
