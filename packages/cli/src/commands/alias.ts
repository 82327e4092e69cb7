import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatTable } from '../output/format-table.js';

/**
 * `vecdex alias set|list|rm`: other names for collections. Every command that takes a collection
 * (search, similar, get, import, embed...) follows an alias; `alias set` repoints one atomically,
 * which is how an application switches to a re-embedded collection without downtime.
 */
export function registerAlias(program: Command, io: CliIo): void {
  const group = program
    .command('alias')
    .alias('aliases')
    .description('collection aliases: another name that can be repointed atomically');

  group
    .command('set <alias> <collection>')
    .description('point <alias> at <collection> (creates it, or repoints it in one atomic write)')
    .action(async (alias: string, collection: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const r = await withStore(ctx, (vx) => vx.aliases.set(alias, collection));
      ctx.out.done({ alias, collection, previous: r.previous }, () =>
        r.previous === null ? `alias "${alias}" -> "${collection}"` : `alias "${alias}" -> "${collection}" (was "${r.previous}")`,
      );
    });

  group
    .command('list')
    .alias('ls')
    .description('list aliases and their collections')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const list = await withStore(ctx, (vx) => vx.aliases.list());
      const rows = list.map((a) => ({
        alias: a.alias,
        collection: a.collection,
        updatedAt: new Date(a.updatedAt).toISOString(),
      }));
      ctx.out.data(rows, () =>
        rows.length === 0
          ? 'no aliases; create one with `vecdex alias set <alias> <collection>`'
          : formatTable(
              ['ALIAS', 'COLLECTION', 'SET'],
              rows.map((r) => [r.alias, r.collection, r.updatedAt]),
            ),
      );
    });

  group
    .command('rm <alias>')
    .alias('delete')
    .description('remove an alias (its collection stays)')
    .action(async (alias: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const removed = await withStore(ctx, (vx) => vx.aliases.delete(alias));
      if (!removed) throw new CliError('UNKNOWN_ALIAS', `there is no alias "${alias}"`, { hint: 'see `vecdex alias list`' });
      ctx.out.done({ alias, removed }, () => `removed alias "${alias}"`);
    });
}
