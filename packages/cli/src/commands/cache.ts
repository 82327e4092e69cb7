import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatCount, formatTable } from '../output/format-table.js';

/**
 * `vecdex cache stats|clear`: the embedding cache in the store, which query texts (`similar`,
 * `search`) and ingest (`embed`, `embed-multi`) share: one hidden collection per model and size.
 * A CLI run's in-memory layer lives only as long as the command, so what persists is this.
 */
export function registerCache(program: Command, io: CliIo): void {
  const cache = program
    .command('cache')
    .description("the store's embedding cache (vectors of texts already embedded, per model): stats, clear");

  cache
    .command('stats')
    .description('entries per model in the embedding cache')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const stats = await withStore(ctx, (vx) => vx.queryCache.stats());
      const caches = stats.store.caches;
      ctx.out.data({ caches, memory: stats.memory }, () => {
        if (caches.length === 0) return 'the embedding cache is empty';
        const total = caches.reduce((n, c) => n + c.entries, 0);
        const table = formatTable(
          ['MODEL', 'DIMENSIONS', 'ENTRIES', 'COLLECTION'],
          caches.map((c) => [c.model ?? '-', String(c.dimensions), formatCount(c.entries), c.name]),
          { align: ['left', 'right', 'right', 'left'] },
        );
        return `${table}\n\n${formatCount(total)} cached vector(s) in ${caches.length} model cache(s); query texts and ingested texts share them`;
      });
    });

  cache
    .command('clear')
    .description('drop the embedding cache (all models, or --model); texts are embedded again when next needed')
    .option('--model <name>', 'only the cache of this model')
    .action(async (opts: { model?: string }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const cleared = await withStore(ctx, (vx) => vx.queryCache.clear(opts.model !== undefined ? { model: opts.model } : {}));
      ctx.out.done({ cleared: cleared.store }, () =>
        cleared.store === 0
          ? `nothing to clear${opts.model !== undefined ? ` for model ${opts.model}` : ''}`
          : `cleared ${formatCount(cleared.store)} cached vector(s)${opts.model !== undefined ? ` of model ${opts.model}` : ''}`,
      );
    });
}
