import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CONFIG_SEARCH_PLACES, loadPlugin } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { CLI_PACKAGE_DIR } from '../open-store.js';
import { redactText } from '../output/redact.js';

export const CONFIG_FILE = 'vecdex.config.json';

/** The config `vecdex init` writes: the sqlite-vec backend on one database file, plus any plugins. */
export function initialConfig(dbPath: string, plugins: readonly string[] = []): object {
  const config: Record<string, unknown> = { backend: { use: '@vecdex/backend-sqlitevec', options: { path: dbPath } } };
  if (plugins.length > 0) config.plugins = [...new Set(plugins)];
  return config;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `vecdex init [--path ./vecdex.db] [--plugin pkg]... [--force]`: write vecdex.config.json in the
 * working directory.
 */
export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description(`write ${CONFIG_FILE} in the working directory for a SQLite (sqlite-vec) store`)
    .option('--path <file>', 'database file, relative to the config file', './vecdex.db')
    .option(
      '--plugin <package>',
      'add a plugin package (or a path starting with . or /) to "plugins", repeatable, e.g. @vecdex/index-hnswlib',
      collect,
    )
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .action(async (opts: { path: string; plugin?: string[]; force?: boolean }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const file = path.join(io.cwd, CONFIG_FILE);
      if (existsSync(file) && opts.force !== true) {
        throw new CliError('FILE_EXISTS', `${file} already exists`, { hint: 'pass --force to overwrite it' });
      }
      const plugins = opts.plugin ?? [];
      const config = initialConfig(opts.path, plugins);
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
      // Written either way (it may be installed next), but say now if a plugin cannot be loaded.
      for (const ref of new Set(plugins)) {
        try {
          await loadPlugin(ref, { resolvePaths: [io.cwd, CLI_PACKAGE_DIR], baseDir: io.cwd });
        } catch (err) {
          ctx.out.warn(`plugin ${ref} cannot be loaded yet: ${redactText(err instanceof Error ? err.message : String(err))}`);
        }
      }
      const shadow = shadowingConfig(io.cwd);
      if (shadow !== null) {
        ctx.out.warn(`${shadow} in the same directory is found first and takes precedence over ${CONFIG_FILE}`);
      }
      ctx.out.done(
        { config: file, ...config },
        () =>
          `wrote ${file} (database: ${opts.path}${plugins.length > 0 ? `; plugins: ${[...new Set(plugins)].join(', ')}` : ''})`,
      );
    });
}

/** A config file that vecdex's search would find before vecdex.config.json, or null. */
function shadowingConfig(dir: string): string | null {
  for (const name of CONFIG_SEARCH_PLACES) {
    if (name === CONFIG_FILE) return null;
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    if (name === 'package.json') {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        if (pkg.vecdex === undefined) continue;
      } catch {
        continue;
      }
      return 'package.json (its "vecdex" key)';
    }
    return name;
  }
  return null;
}
