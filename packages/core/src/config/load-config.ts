import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { VecdexError } from '../errors/vecdex-error.js';
import { resolveConfig } from './resolve-config.js';
import { validateConfig } from './validate-config.js';
import type { ResolvedConfig, VecdexConfig } from './vecdex-config.js';

/**
 * Where vecdex looks for a config, in each directory from the start directory up to the nearest
 * `package.json` (only the start directory when no directory above has one). JS and TS configs
 * are *executed*: vecdex never searches above the project directory.
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

// JS configs load with a plain import(). cosmiconfig 9.0.0's own loader retries a failed import
// with require(), which turns a syntax error in an ES module into an unrelated Node internal error.
const loadJs: Loader = async (filepath) => ((await import(pathToFileURL(filepath).href)) as { default?: unknown }).default;

/**
 * The directories searched: from `start` up to the nearest one holding a `package.json`; only
 * `start` itself when no directory above has one. (cosmiconfig 9.0.0's "project" strategy does
 * not stop at package.json, cosmiconfig/cosmiconfig#361, so the walk is done here.)
 */
function searchDirs(start: string): string[] {
  const dirs: string[] = [];
  for (let dir = start; ; ) {
    dirs.push(dir);
    if (existsSync(path.join(dir, 'package.json'))) return dirs;
    const parent = path.dirname(dir);
    if (parent === dir) return [start];
    dir = parent;
  }
}

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
    searchStrategy: 'none',
    loaders: { '.js': loadJs, '.mjs': loadJs, '.cjs': loadJs, '.ts': loadTs, '.mts': loadTs },
    cache: false,
  });
  const file = options.file ?? env.VECDEX_CONFIG;
  let found: { config: unknown; filepath: string } | null = null;
  let explicit: string | undefined;
  try {
    if (file !== undefined && file !== '') {
      const abs = path.resolve(cwd, file);
      explicit = abs;
      if (!existsSync(abs)) {
        throw new VecdexError('CONFIG_NOT_FOUND', `config file ${abs} does not exist`, { details: { file: abs } });
      }
      found = await explorer.load(abs);
    } else {
      for (const dir of searchDirs(cwd)) {
        found = await explorer.search(dir);
        if (found !== null) break;
      }
    }
  } catch (err) {
    if (err instanceof VecdexError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    const failed = (err as { filepath?: unknown } | null)?.filepath ?? explicit;
    const where = typeof failed === 'string' && !msg.includes(failed) ? ` ${failed}` : '';
    throw new VecdexError('CONFIG_INVALID', `could not load the vecdex config${where}: ${msg}`, { cause: err });
  }
  if (found === null || found.config === undefined || found.config === null) {
    const baseDir = found === null ? cwd : path.dirname(found.filepath);
    return resolveConfig({}, { baseDir, configPath: found?.filepath ?? null, env });
  }
  const config = validateConfig(found.config, found.filepath);
  return resolveConfig(config, { baseDir: path.dirname(found.filepath), configPath: found.filepath, env });
}

/** Resolve an in-memory config (as `openVecdex({ config: {...} })` passes it). */
export function resolveInlineConfig(
  config: VecdexConfig,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedConfig {
  const valid = validateConfig(config, 'the config passed to openVecdex');
  return resolveConfig(valid, {
    baseDir: path.resolve(options.cwd ?? process.cwd()),
    configPath: null,
    env: options.env ?? process.env,
  });
}
