import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatFields } from '../output/format-table.js';

/** `vecdex get <collection> <id> [--vector]`: show one item (without its vector unless asked). */
export function registerGet(program: Command, io: CliIo): void {
  program
    .command('get <collection> <id>')
    .description('show one item: content, metadata, last modified (and the vector with --vector)')
    .option('--vector', 'include the vector')
    .action(async (collection: string, id: string, opts: { vector?: boolean }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const withVector = opts.vector === true;
      const [item] = await withStore(ctx, (vx) => vx.collection(collection).getMany([id], { vectors: withVector }));
      if (item === undefined) {
        throw new CliError('ITEM_NOT_FOUND', `no item "${id}" in collection "${collection}"`);
      }
      const view: Record<string, unknown> = {
        collection,
        id: item.id,
        content: item.content,
        metadata: item.metadata,
        modified: new Date(item.modified).toISOString(),
      };
      if (withVector) view.vector = item.vector === undefined ? null : Array.from(item.vector);
      ctx.out.data(view, () => {
        const fields: [string, string][] = [
          ['id', item.id],
          ['content', item.content ?? '-'],
          ['metadata', item.metadata === null ? '-' : JSON.stringify(item.metadata)],
          ['modified', view.modified as string],
        ];
        if (withVector) fields.push(['vector', JSON.stringify(view.vector)]);
        return formatFields(fields);
      });
    });
}
