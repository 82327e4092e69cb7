import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatBytes, plural } from '../output/format-table.js';

/**
 * `vecdex compact`: give the space of deleted items and collections back (indexes holding
 * deleted entries rebuilt, tombstones every index has passed pruned, the store vacuumed), and
 * print the store's size before and after.
 */
export function registerCompact(program: Command, io: CliIo): void {
  program
    .command('compact')
    .description('give the space of deleted items back: rebuild indexes with deleted entries, prune tombstones, vacuum the store')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const r = await withStore(ctx, (vx) => vx.compact());
      ctx.out.done(r, () => {
        const rebuilt = r.indexesRebuilt.length > 0 ? `; rebuilt ${r.indexesRebuilt.join(', ')}` : '';
        return `compacted the store: ${formatBytes(r.bytesBefore)} -> ${formatBytes(r.bytesAfter)} (pruned ${plural(r.tombstonesPruned, 'tombstone')}${rebuilt})`;
      });
    });
}
