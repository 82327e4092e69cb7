import { type Command, Option } from 'commander';
import type { Filter, JsonValue, SearchHit, StalePolicy } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatDistance, formatTable, truncate } from '../output/format-table.js';
import { printHits } from '../output/print-hits.js';
import { jsonOption, keyValueParam, positiveInteger } from '../parse-args.js';

interface SimilarOptions {
  vector?: string;
  id?: string;
  k: number;
  filter?: string;
  content?: boolean;
  index?: string;
  exact?: boolean;
  stale?: StalePolicy;
  param?: Record<string, JsonValue>;
  explain?: boolean;
  text?: string;
}

/** One hit as `--json` prints it. */
export interface HitView {
  collection: string;
  id: string;
  distance: number;
  /** With --text: the fused score (higher is better). */
  score?: number;
  metadata: SearchHit['metadata'];
  content?: string | null;
}

const CELL = 60;

/**
 * `vecdex similar <collection> (--vector JSON | --id ID)`: the k nearest items, through the
 * collection's default index (or `--index`), else exactly (`--exact` forces exact search).
 */
export function registerSimilar(program: Command, io: CliIo): void {
  program
    .command('similar <collection>')
    .description('find the k nearest items to a vector or to a stored item (smaller distance = closer)')
    .option('--vector <json>', 'query vector as a JSON array, e.g. "[0.1, 0.2, 0.3]"')
    .option('--id <id>', "use this stored item's vector as the query (the item itself is left out)")
    .option('-k, --k <n>', 'number of results', positiveInteger, 10)
    .option('--filter <json>', 'metadata filter, e.g. \'{"lang": "en", "year": {"$gte": 2020}}\'')
    .option('--content', "include each item's content")
    .option('--index <name>', "search through this index instead of the collection's default index")
    .addOption(new Option('--exact', 'exact search, bypassing every index').conflicts('index'))
    .addOption(
      new Option(
        '--stale <policy>',
        'when the index is behind the store: sync it first (default), allow (search as is) or error',
      ).choices(['sync', 'allow', 'error']),
    )
    .option('--param <key=value>', 'per-query index parameter, repeatable, e.g. --param efSearch=100', keyValueParam)
    .option('--text <words>', 'also find these words in content and fuse both rankings (hybrid; see `vecdex search`)')
    .option('--explain', 'also print how the query was answered (strategy, index, reason, pending); with --json: {plan, hits}')
    .addHelpText(
      'after',
      `
Examples:
  vecdex similar docs --vector '[0.1, 0.9, 0.2]' -k 5
  vecdex similar docs --id doc-42 --filter '{"lang": "en"}' --json
  vecdex similar docs --id doc-42 --index docs-hnsw --param efSearch=200 --explain
  vecdex similar docs --id doc-42 --exact`,
    )
    .action(async (collection: string, opts: SimilarOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      if ((opts.vector === undefined) === (opts.id === undefined)) {
        throw new UsageError('give exactly one of --vector <json> and --id <id>');
      }
      const query =
        opts.id !== undefined ? opts.id : (jsonOption('--vector', opts.vector as string, '[0.1, 0.2, 0.3]') as number[]);
      if (opts.id === undefined && !Array.isArray(query))
        throw new UsageError('--vector must be a JSON array of numbers, e.g. "[0.1, 0.2, 0.3]"');
      const filter = opts.filter === undefined ? null : (jsonOption('--filter', opts.filter, '{"lang": "en"}') as Filter);
      const withContent = opts.content === true;
      const { hits, plan } = await withStore(ctx, (vx) =>
        vx.collection(collection).search(query, {
          k: opts.k,
          filter,
          include: { metadata: true, content: withContent },
          ...(opts.index !== undefined ? { index: opts.index } : {}),
          ...(opts.exact === true ? { exact: true } : {}),
          ...(opts.stale !== undefined ? { stale: opts.stale } : {}),
          ...(opts.param !== undefined ? { params: opts.param } : {}),
          ...(opts.text !== undefined ? { text: opts.text } : {}),
        }),
      );
      const views: HitView[] = hits.map((h) => {
        const v: HitView = { collection: h.collection, id: h.id, distance: h.distance, metadata: h.metadata ?? null };
        if (h.score !== undefined) v.score = h.score;
        if (withContent) v.content = h.content ?? null;
        return v;
      });
      printHits(ctx, plan, views, opts.explain === true, () => {
        const headers = ['RANK', 'ID', 'DISTANCE', 'METADATA', ...(withContent ? ['CONTENT'] : [])];
        const rows = views.map((v, i) => [
          String(i + 1),
          v.id,
          formatDistance(v.distance),
          v.metadata === null ? '-' : truncate(JSON.stringify(v.metadata), CELL),
          ...(withContent ? [v.content === null || v.content === undefined ? '-' : truncate(v.content, CELL)] : []),
        ]);
        return formatTable(headers, rows, { align: ['right', 'left', 'right', 'left', 'left'] });
      });
    });
}
