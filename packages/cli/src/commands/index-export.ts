import path from 'node:path';
import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { indexProgress } from '../index-progress.js';
import { withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';

/**
 * `vecdex index export <name> <file>`: the index in its library's own format, for use outside
 * vecdex (FAISS: a `write_index` file plus `<file>.ids.json`, label → { collection, id }).
 * Applies pending changes first, with a progress display on a terminal.
 */
export function registerIndexExport(group: Command, io: CliIo): void {
  group
    .command('export <name> <file>')
    .description("write the index in its library's own file format (faiss: <file> for faiss.read_index + <file>.ids.json)")
    .action(async (name: string, file: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        await vx.indexes.get(name); // UNKNOWN_INDEX before anything else
        const progress = indexProgress(ctx, name);
        try {
          await vx.indexes.sync(name, progress);
        } finally {
          progress.finish();
        }
        const result = await vx.indexes.export(name, path.resolve(ctx.io.cwd, file));
        ctx.out.done({ index: name, ...result }, () => {
          const files = [result.file, result.idsFile].filter((f) => typeof f === 'string').join(' and ');
          const items = typeof result.items === 'number' ? `${formatCount(result.items)} items, ` : '';
          return `exported index "${name}" (${items}${String(result.factory ?? '')}) to ${files}`;
        });
      });
    });
}
