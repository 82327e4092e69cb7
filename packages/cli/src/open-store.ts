import { fileURLToPath } from 'node:url';
import { type ProviderRequest, type Vecdex, openVecdex } from '@vecdex/core';
import type { CliContext } from './cli-context.js';

/**
 * The CLI package's own directory. Plugins are looked up here after the user's project, so the
 * bundled `@vecdex/backend-sqlitevec` works even where the project does not install it.
 */
export const CLI_PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Open the store as configured (`--config`, or the config search from the working directory).
 * Without any config the defaults apply (a `./vecdex.db` file here): say so on stderr, since a
 * user in the wrong directory would otherwise silently get a new, empty store.
 */
export async function openStore(ctx: CliContext, options: StoreOptions = {}): Promise<Vecdex> {
  const vx = await openVecdex({
    config: ctx.globals.config,
    cwd: ctx.io.cwd,
    env: ctx.io.env,
    resolvePaths: [CLI_PACKAGE_DIR],
    ...(options.embedding ? { embedding: options.embedding } : {}),
  });
  const fromEnv = Object.keys(ctx.io.env).some((k) => k.startsWith('VECDEX_') && k !== 'VECDEX_DEBUG');
  if (vx.config.configPath === null && !fromEnv) {
    ctx.out.note(
      `vecdex: no config file found from ${ctx.io.cwd}; using the default store (./vecdex.db). Run \`vecdex init\` to create a config.`,
    );
  }
  return vx;
}

/** What a command adds to the config when opening the store. */
export interface StoreOptions {
  /** Embedding settings for query texts over the config's (`similar`/`search` flags). */
  embedding?: ProviderRequest;
}

/** Open the store, run `fn`, and close the store whatever happens. */
export async function withStore<T>(ctx: CliContext, fn: (vx: Vecdex) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  const vx = await openStore(ctx, options);
  let result: T;
  try {
    result = await fn(vx);
  } catch (err) {
    // Report the command's failure, not a second one from closing.
    await vx.close().catch(() => undefined);
    throw err;
  }
  await vx.close();
  return result;
}
