import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import { CliError, UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatCount, plural } from '../output/format-table.js';
import { confirm } from '../confirm.js';
import { jsonOption } from '../parse-args.js';
import type { Filter } from '@vecdex/core';

interface DeleteOptions {
  idsFile?: string;
  filter?: string;
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * `vecdex delete <collection> <id...> [--ids-file F]`: delete items by id, in one transaction;
 * `vecdex delete <collection> --filter JSON [--dry-run] [--yes]`: every item matching a filter.
 */
export function registerDelete(program: Command, io: CliIo): void {
  program
    .command('delete <collection> [ids...]')
    .description('delete items by id, or every item matching --filter (all in one transaction), and print how many')
    .option('--ids-file <file>', 'read more ids from a file, one per line (blank lines skipped)')
    .option('--filter <json>', 'delete every item whose metadata matches, e.g. \'{"source": "old-crawl"}\'')
    .option('--dry-run', 'with --filter: print how many items match, delete nothing')
    .option('-y, --yes', 'with --filter: do not ask for confirmation (needed when stdin is not a terminal)')
    .action(async (collection: string, ids: string[], opts: DeleteOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      if (opts.filter !== undefined) {
        if (ids.length > 0 || opts.idsFile !== undefined) throw new UsageError('give ids or --filter, not both');
        const filter = jsonOption('--filter', opts.filter, '{"source": "old-crawl"}') as Filter;
        await withStore(ctx, async (vx) => {
          const c = vx.collection(collection);
          const matching = await c.delete({ filter, dryRun: true });
          const items = (n: number) => plural(n, 'item');
          if (opts.dryRun === true || matching === 0) {
            ctx.out.done({ collection, matching, deleted: 0, dryRun: opts.dryRun === true }, () =>
              matching === 0
                ? `no items in "${collection}" match the filter`
                : `${items(matching)} in "${collection}" match the filter (dry run: nothing deleted)`,
            );
            return;
          }
          const ok = await confirm(io, `delete ${items(matching)} matching the filter from "${collection}"?`, {
            yes: opts.yes === true,
          });
          if (!ok) {
            ctx.out.done({ collection, matching, deleted: 0 }, () => 'nothing deleted');
            return;
          }
          const deleted = await c.delete({ filter });
          ctx.out.done(
            { collection, matching, deleted },
            () => `deleted ${items(deleted)} matching the filter from "${collection}"`,
          );
        });
        return;
      }
      if (opts.dryRun === true || opts.yes === true) throw new UsageError('--dry-run and --yes go with --filter');
      const all = [...ids];
      if (opts.idsFile !== undefined) all.push(...(await readIds(opts.idsFile)));
      if (all.length === 0) throw new UsageError('no ids given', 'list ids after the collection name, or pass --ids-file <file>');
      const requested = new Set(all).size;
      const deleted = await withStore(ctx, (vx) => vx.collection(collection).delete(all));
      ctx.out.done({ collection, requested, deleted }, () => {
        const missing = requested - deleted;
        return `deleted ${plural(deleted, 'item')} from "${collection}"${missing > 0 ? ` (${formatCount(missing)} not found)` : ''}`;
      });
    });
}

/** Ids from a file, one per line; line ends (LF or CRLF) are not part of an id. */
async function readIds(file: string): Promise<string[]> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new CliError(
      'FILE_NOT_FOUND',
      `cannot read --ids-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
  const ids: string[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() !== '') ids.push(line);
  }
  return ids;
}
