import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { indexProgress } from '../index-progress.js';
import { withStore } from '../open-store.js';
import { formatTable } from '../output/format-table.js';
import { positiveInteger } from '../parse-args.js';
import { Progress } from '../progress.js';
import { adviseFrom } from '../bench/advice.js';
import { sampleQueries } from '../bench/bench-queries.js';
import { formatQps } from '../bench/plot-svg.js';
import { type CompareConfig, createCompareIndexes, defaultCompare, parseCompare } from '../bench/compare-configs.js';
import { runBench } from '../bench/run-bench.js';

interface AdviseOptions {
  recall: number;
  k: number;
  queries: number;
  seed: number;
  compare?: CompareConfig[];
  plugin: string;
}

function recallTarget(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new UsageError(`--recall must be a number above 0 and at most 1, got ${value}`);
  return n;
}

/**
 * `vecdex advise <collection> --recall 0.99`: measure compressions (every precision, truncations,
 * PCA; with and without rescoring, or those given with --compare) on temporary indexes against
 * full-precision exact search on the collection's own items, and say which keep recall@k ≥ the
 * target, smallest first.
 */
export function registerAdvise(program: Command, io: CliIo): void {
  program
    .command('advise <collection>')
    .description(
      'which compressions (precision, truncation, PCA, rescoring) keep recall@k at or above a target on this collection',
    )
    .requiredOption('--recall <r>', 'the recall@k to keep, e.g. 0.99', recallTarget)
    .option('-k, --k <n>', 'neighbours per query (recall@k)', positiveInteger, 10)
    .option('--queries <n>', 'queries sampled from the collection (each left out of its own results)', positiveInteger, 200)
    .option('--seed <n>', 'seed for sampling query items', positiveInteger, 1)
    .option(
      '--compare <configs>',
      'the configurations to try (default: float16, int8, binary, truncations, PCA; with and without rescoring)',
      parseCompare,
    )
    .option('--plugin <name>', 'index plugin for the temporary indexes (usearch: its flat kind)', 'usearch')
    .addHelpText(
      'after',
      `
Each configuration gets a temporary index (dropped afterwards), built and searched with the same
sampled queries as exact search. Memory is the index's bytes per vector against float32's.

Examples:
  vecdex advise docs --recall 0.99
  vecdex advise docs --recall 0.95 --compare binary@4,binary@10,int8 --json`,
    )
    .action(async (collection: string, opts: AdviseOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const enabled = !ctx.globals.json && !ctx.globals.quiet;
      const result = await withStore(ctx, async (vx) => {
        const c = vx.collection(collection);
        const info = await c.info();
        const items = await c.count();
        const configs = opts.compare ?? defaultCompare(info, items);
        const queries = await sampleQueries(c, opts.queries, opts.seed);
        const compare = await createCompareIndexes(vx, collection, configs, opts.plugin, undefined);
        try {
          return await runBench(vx, {
            collection,
            k: opts.k,
            queries,
            only: [],
            configs: new Map(compare.indexes.map((ix) => [ix.name, ix.config.label])),
            sweeps: [],
            build: true,
            progress: {
              build: (name) => indexProgress(ctx, name),
              queries: (label, total) =>
                new Progress({ stream: ctx.io.stderr, enabled, label: `measuring ${label}`, total, unit: 'queries' }),
            },
          });
        } finally {
          await compare.drop();
        }
      });
      const advice = adviseFrom(result, opts.recall);
      ctx.out.data(advice, () => {
        const rows = advice.rows.map((r) => [
          r.config,
          r.recall.toFixed(3),
          formatQps(r.qps),
          r.bytesPerVector === null ? '-' : String(Math.round(r.bytesPerVector * 100) / 100),
          r.memoryRatio === null ? '-' : `${r.memoryRatio.toFixed(3)}x`,
          r.keeps ? 'yes' : 'no',
        ]);
        const table = formatTable(
          ['CONFIGURATION', `RECALL@${advice.k}`, 'QPS', 'BYTES/VEC', 'VS FLOAT32', `KEEPS ${advice.target}`],
          rows,
          {
            align: ['left', 'right', 'right', 'right', 'right', 'left'],
          },
        );
        const r = advice.recommended;
        const verdict =
          r === null
            ? `none of these keeps recall@${advice.k} >= ${advice.target}: keep float32 (or try a larger oversample, e.g. --compare int8@10)`
            : `smallest that keeps recall@${advice.k} >= ${advice.target}: ${r.config} (${r.bytesPerVector} bytes/vector, ${r.memoryRatio?.toFixed(3)}x float32, recall ${r.recall.toFixed(3)}, ${formatQps(r.qps)} QPS)`;
        return `collection "${collection}": ${result.items.toLocaleString('en-US')} items, ${result.dimensions}-d ${result.metric}; exact search ${formatQps(result.exact.qps)} QPS\n\n${table}\n\n${verdict}`;
      });
    });
}
