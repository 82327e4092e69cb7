import { type Command, Option } from 'commander';
import type { FusionOptions, HybridHit, SearchMode, SearchRequest } from '@vecdex/core';
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

interface SearchOptions extends CommonQueryOptions, QueryProviderFlags {
  text?: string;
  mode?: SearchMode;
  minScore?: number;
  rrfK?: number;
  vectorWeight?: number;
  keywordWeight?: number;
  candidates?: number;
}

/** One hit as `--json` prints it. */
export interface SearchHitView {
  collection: string;
  id: string;
  score: number;
  distance: number | null;
  keywordScore: number | null;
  ranks: HybridHit['ranks'];
  metadata: HybridHit['metadata'];
  content?: string | null;
}

const CELL = 50;

/** Commander parser for a finite number ≥ 0 (fusion weights and the RRF constant). */
function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`expected a number ≥ 0, got "${value}"`);
  return n;
}

/**
 * `vecdex search <collection> "text"` (or `--text`): hybrid search by default when the collection
 * records a model (the text embedded with it, fused with the keyword ranking by Reciprocal Rank
 * Fusion), keyword search over content otherwise; `--mode vector|keyword|hybrid` chooses. With
 * `--vector`/`--id` as well, both rankings are fused. Without a collection, `--index` or
 * `--collections` searches several collections together.
 */
export function registerSearch(program: Command, io: CliIo): void {
  addQueryProviderFlags(
    program
      .command('search [collection] [text]')
      .description(
        "hybrid, keyword or vector search: a text is embedded with the collection's model and fused with keyword (bm25) matches (higher score = better)",
      )
      .option('--text <words>', 'the query text (instead of the argument)')
      .addOption(
        new Option(
          '--mode <mode>',
          'how a text alone is ranked: hybrid (default with a model), vector (embedded text only) or keyword (content words only; default without a model)',
        ).choices(['hybrid', 'vector', 'keyword']),
      )
      .option('--vector <json>', 'query vector as a JSON array, e.g. "[0.1, 0.2, 0.3]"; "-" reads it from stdin')
      .option(
        '--vector-file <file>',
        'read the query vector from a file (a JSON array, or numbers separated by spaces or commas)',
      )
      .option('--id <id>', "use this stored item's vector as the query (the item itself is left out)")
      .option('-k, --k <n>', 'number of results', positiveInteger, 10)
      .option('--offset <n>', 'skip this many best results first (paging)', nonNegativeInteger)
      .option('--filter <json>', 'metadata filter applied to both sides, e.g. \'{"lang": "en"}\'')
      .option('--content', "include each item's content")
      .option('--index <name>', 'vector side: search through this index; without a collection, across every collection it covers')
      .option('--collections <a,b>', 'search these collections together', commaList)
      .addOption(new Option('--exact', 'vector side: exact search, bypassing every index').conflicts('index'))
      .addOption(
        new Option('--stale <policy>', 'when the index is behind the store: sync (default), allow or error').choices([
          'sync',
          'allow',
          'error',
        ]),
      )
      .option('--param <key=value>', 'per-query index parameter, repeatable, e.g. --param efSearch=100', keyValueParam)
      .option('--min-score <s>', 'leave out results scoring below this', finiteNumber)
      .option('--max-distance <d>', 'leave out results farther than this vector distance', finiteNumber)
      .option('--rrf-k <n>', 'Reciprocal Rank Fusion constant (default 60)', nonNegative)
      .option('--vector-weight <w>', 'weight of the vector ranking (default 1)', nonNegative)
      .option('--keyword-weight <w>', 'weight of the keyword ranking (default 1)', nonNegative)
      .option('--candidates <n>', 'hits each side contributes before fusion (default max(2k, 50))', positiveInteger)
      .option('--explain', 'also print how the query was answered; with --json: {plan, hits}'),
  )
    .addHelpText(
      'after',
      `
Examples:
  vecdex search notes "wool coat"                          # hybrid when notes records a model
  vecdex search notes "wool coat" --mode keyword           # keyword only (bm25)
  vecdex search docs --text 'wool coat' --id doc-42 -k 5   # hybrid with a stored item's vector
  vecdex search docs 'coat' --vector '[0.1, 0.9]' --keyword-weight 2 --filter '{"lang":"en"}' --explain
  vecdex search --index everything "rotate keys"`,
    )
    .action(async (first: string | undefined, second: string | undefined, opts: SearchOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const { place, text: positional } = readPositionals(first, second, opts, 'search');
      if (positional !== undefined && opts.text !== undefined)
        throw new UsageError('give the text once: as the argument or as --text');
      const text = positional ?? opts.text;
      const vectorSources = [opts.vector, opts.vectorFile, opts.id].filter((x) => x !== undefined).length;
      if (vectorSources > 1) throw new UsageError('give at most one of --vector, --vector-file and --id');
      if (text === undefined && vectorSources === 0) {
        throw new UsageError(
          'give a text (vecdex search docs "wool coat"), --vector, --vector-file or --id (or a text with one of them)',
        );
      }
      const vector = opts.vector !== undefined || opts.vectorFile !== undefined ? await readQueryVector(io, opts) : undefined;
      const fusion: FusionOptions = {
        ...(opts.rrfK !== undefined ? { k: opts.rrfK } : {}),
        ...(opts.candidates !== undefined ? { candidates: opts.candidates } : {}),
        weights: {
          ...(opts.vectorWeight !== undefined ? { vector: opts.vectorWeight } : {}),
          ...(opts.keywordWeight !== undefined ? { keyword: opts.keywordWeight } : {}),
        },
      };
      const withContent = opts.content === true;
      const request: SearchRequest = {
        ...commonRequest(opts),
        fusion,
        ...(text !== undefined ? { text } : {}),
        ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
        ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
        ...(vector !== undefined ? { vector } : {}),
        ...(opts.id !== undefined ? { id: opts.id } : {}),
      };
      const { hits, plan } = await withStore(
        ctx,
        (vx) => ('collection' in place ? vx.collection(place.collection).search(request) : vx.search({ ...request, ...place })),
        { embedding: queryEmbedding(opts) },
      );
      const views: SearchHitView[] = hits.map((h) => {
        const v: SearchHitView = {
          collection: h.collection,
          id: h.id,
          score: h.score,
          distance: h.distance ?? null,
          keywordScore: h.keywordScore ?? null,
          ranks: h.ranks,
          metadata: h.metadata ?? null,
        };
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
            'SCORE',
            'DISTANCE',
            'KEYWORD',
            'METADATA',
            ...(withContent ? ['CONTENT'] : []),
          ];
          const rows = views.map((v, i) => [
            String((opts.offset ?? 0) + i + 1),
            ...(many ? [v.collection] : []),
            v.id,
            v.score.toFixed(5),
            v.distance === null ? '-' : formatDistance(v.distance),
            v.keywordScore === null ? '-' : v.keywordScore.toPrecision(3),
            v.metadata === null ? '-' : truncate(JSON.stringify(v.metadata), CELL),
            ...(withContent ? [v.content === null || v.content === undefined ? '-' : truncate(v.content, CELL)] : []),
          ]);
          const align: Align[] = [
            'right',
            ...(many ? (['left'] as const) : []),
            'left',
            'right',
            'right',
            'right',
            'left',
            'left',
          ];
          return formatTable(headers, rows, { align });
        },
        request.filter,
      );
    });
}
