import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import { CliError, UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';

/** `vecdex delete <collection> <id...> [--ids-file F]`: delete items by id, in one transaction. */
export function registerDelete(program: Command, io: CliIo): void {
  program
    .command('delete <collection> [ids...]')
    .description('delete items by id (all in one transaction) and print how many existed')
    .option('--ids-file <file>', 'read more ids from a file, one per line (blank lines skipped)')
    .action(async (collection: string, ids: string[], opts: { idsFile?: string }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const all = [...ids];
      if (opts.idsFile !== undefined) all.push(...(await readIds(opts.idsFile)));
      if (all.length === 0) throw new UsageError('no ids given', 'list ids after the collection name, or pass --ids-file <file>');
      const requested = new Set(all).size;
      const deleted = await withStore(ctx, (vx) => vx.collection(collection).delete(all));
      ctx.out.done({ collection, requested, deleted }, () => {
        const missing = requested - deleted;
        return `deleted ${formatCount(deleted)} item${deleted === 1 ? '' : 's'} from "${collection}"${missing > 0 ? ` (${formatCount(missing)} not found)` : ''}`;
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
