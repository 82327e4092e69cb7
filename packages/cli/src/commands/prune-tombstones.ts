import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';

/**
 * `vecdex prune-tombstones [--keep CURSOR...]`: delete the change feed's tombstones that every
 * index has applied (and every `--keep` cursor has read). Deleted items otherwise leave one
 * feed entry each, forever.
 */
export function registerPruneTombstones(program: Command, io: CliIo): void {
  program
    .command('prune-tombstones')
    .description("delete the change feed's tombstones (entries of deleted items) that every index has already applied")
    .option('--keep <cursor...>', 'feed cursors of your own readers: tombstones after the oldest of them are kept')
    .action(async (opts: { keep?: string[] }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const result = await withStore(ctx, (vx) => vx.pruneTombstones({ keep: opts.keep ?? [] }));
      ctx.out.done(result, () => {
        const readers =
          result.readers === 0
            ? 'no index or reader needs them'
            : `kept what ${formatCount(result.readers)} reader cursor${result.readers === 1 ? '' : 's'} (indexes and --keep) still need`;
        return `pruned ${formatCount(result.deleted)} tombstone${result.deleted === 1 ? '' : 's'} (${readers})`;
      });
    });
}
