import { type Command, Option } from 'commander';
import type { SearchHit, SearchRequest } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { type Align, formatDistance, formatTable, truncate } from '../output/format-table.js';
import { printHits } from '../output/print-hits.js';
import { commaList, keyValueParam, positiveInteger } from '../parse-args.js';
import {
  type CommonQueryOptions,
  commonRequest,
  finiteNumber,
  nonNegativeInteger,
  readPositionals,
} from '../query/query-args.js';
import { type QueryProviderFlags, addQueryProviderFlags, queryEmbedding } from '../query/query-flags.js';
import { readQueryVector } from '../query/read-vector.js';

interface SimilarOptions extends CommonQueryOptions, QueryProviderFlags {
  text?: string;
  mmr?: boolean;
  lambda?: number;
  fetchK?: number;
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
 * `vecdex similar <collection> "question"` (or `--vector`, `--vector-file`, `--id`): the k
 * nearest items, through the collection's default index (or `--index`), else exactly. A text is
 * embedded with the collection's model. Without a collection, `--index` searches every
 * collection of that index, `--collections a,b` those (exactly with `--exact`).
 */
export function registerSimilar(program: Command, io: CliIo): void {
  addQueryProviderFlags(
    program
      .command('similar [collection] [query]')
      .description(
        "find the k nearest items to a text (embedded with the collection's model), a vector or a stored item (smaller distance = closer)",
      )
      .option('--vector <json>', 'query vector as a JSON array, e.g. "[0.1, 0.2, 0.3]"; "-" reads it from stdin')
      .option(
        '--vector-file <file>',
        'read the query vector from a file (a JSON array, or numbers separated by spaces or commas)',
      )
      .option('--id <id>', "use this stored item's vector as the query (the item itself is left out)")
      .option('-k, --k <n>', 'number of results', positiveInteger, 10)
      .option('--offset <n>', 'skip this many best results first (paging)', nonNegativeInteger)
      .option('--filter <json>', 'metadata filter, e.g. \'{"lang": "en", "year": {"$gte": 2020}}\'')
      .option('--content', "include each item's content")
      .option('--index <name>', 'search through this index; without a collection, across every collection it covers')
      .option(
        '--collections <a,b>',
        'search these collections together (through their common default index, else exactly)',
        commaList,
      )
      .addOption(new Option('--exact', 'exact search, bypassing every index').conflicts('index'))
      .addOption(
        new Option(
          '--stale <policy>',
          'when the index is behind the store: sync it first (default), allow (search as is) or error',
        ).choices(['sync', 'allow', 'error']),
      )
      .option('--param <key=value>', 'per-query index parameter, repeatable, e.g. --param efSearch=100', keyValueParam)
      .option('--max-distance <d>', 'leave out results farther than this distance', finiteNumber)
      .option('--mmr', 'maximal marginal relevance: re-rank the nearest candidates for diversity')
      .option('--lambda <x>', 'MMR: 1 = relevance only, 0 = diversity only (default 0.5)', finiteNumber)
      .option('--fetch-k <n>', 'MMR: candidates to re-rank (default max(20, 4k))', positiveInteger)
      .option('--text <words>', 'with --vector/--id: also find these words in content and fuse both rankings (hybrid)')
      .option('--explain', 'also print how the query was answered (strategy, index, reason, pending); with --json: {plan, hits}'),
  )
    .addHelpText(
      'after',
      `
Examples:
  vecdex similar notes "how do I rotate keys?"          # embedded with the collection's model
  vecdex similar --index everything "rotate keys" -k 5  # every collection of an index
  vecdex similar --collections tils,posts "rotate keys" --exact
  vecdex similar docs --vector '[0.1, 0.9, 0.2]' -k 5
  vecdex similar docs --vector-file q.json --filter '{"lang": "en"}' --json
  cat q.json | vecdex similar docs --vector -
  vecdex similar docs --id doc-42 --index docs-hnsw --param efSearch=200 --explain
  vecdex similar docs "wool coat" --mmr --lambda 0.3 --offset 10`,
    )
    .action(async (first: string | undefined, second: string | undefined, opts: SimilarOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const { place, text } = readPositionals(first, second, opts, 'similar');
      const sources = [text, opts.vector, opts.vectorFile, opts.id].filter((x) => x !== undefined).length;
      if (sources !== 1) {
        throw new UsageError(
          'give a query: the text as an argument (vecdex similar docs "question"), or exactly one of --vector, --vector-file and --id',
        );
      }
      if (text !== undefined && opts.text !== undefined) {
        throw new UsageError(
          '--text adds keywords to a --vector or --id query; for a text query with keywords use `vecdex search`',
        );
      }
      const vector = opts.vector !== undefined || opts.vectorFile !== undefined ? await readQueryVector(io, opts) : undefined;
      const request: SearchRequest = {
        ...commonRequest(opts),
        ...(text !== undefined ? { text, mode: 'vector' as const } : {}),
        ...(vector !== undefined ? { vector } : {}),
        ...(opts.id !== undefined ? { id: opts.id } : {}),
        ...(opts.text !== undefined ? { text: opts.text } : {}),
      };
      const hybrid = opts.text !== undefined;
      const { hits, plan } = await withStore(
        ctx,
        (vx) => ('collection' in place ? vx.collection(place.collection).search(request) : vx.search({ ...request, ...place })),
        { embedding: queryEmbedding(opts) },
      );
      const withContent = opts.content === true;
      const views: HitView[] = hits.map((h) => {
        const v: HitView = { collection: h.collection, id: h.id, distance: h.distance as number, metadata: h.metadata ?? null };
        if (hybrid) v.score = h.score;
        if (withContent) v.content = h.content ?? null;
        return v;
      });
      const many = !('collection' in place);
      printHits(
        ctx,
        plan,
        views,
        opts.explain === true,
        () => {
          const headers = [
            'RANK',
            ...(many ? ['COLLECTION'] : []),
            'ID',
            'DISTANCE',
            'METADATA',
            ...(withContent ? ['CONTENT'] : []),
          ];
          const rows = views.map((v, i) => [
            String((opts.offset ?? 0) + i + 1),
            ...(many ? [v.collection] : []),
            v.id,
            formatDistance(v.distance),
            v.metadata === null ? '-' : truncate(JSON.stringify(v.metadata), CELL),
            ...(withContent ? [v.content === null || v.content === undefined ? '-' : truncate(v.content, CELL)] : []),
          ]);
          const align: Align[] = ['right', ...(many ? (['left'] as const) : []), 'left', 'right', 'left', 'left'];
          return formatTable(headers, rows, { align });
        },
        request.filter,
      );
    });
}
