import { type Command, Option } from 'commander';
import type { Filter, FusionOptions, HybridHit, JsonValue, SearchRequest, StalePolicy } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { withStore } from '../open-store.js';
import { formatDistance, formatTable, truncate } from '../output/format-table.js';
import { printHits } from '../output/print-hits.js';
import { jsonOption, keyValueParam, positiveInteger } from '../parse-args.js';

interface SearchOptions {
  text?: string;
  vector?: string;
  id?: string;
  k: number;
  filter?: string;
  content?: boolean;
  index?: string;
  exact?: boolean;
  stale?: StalePolicy;
  param?: Record<string, JsonValue>;
  rrfK?: number;
  vectorWeight?: number;
  keywordWeight?: number;
  candidates?: number;
  explain?: boolean;
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
 * `vecdex search <collection> --text WORDS [--vector JSON | --id ID]`: keyword search over
 * content, or hybrid search fusing keyword and vector rankings with Reciprocal Rank Fusion.
 * Without --text it is a vector search (like `similar`) that prints fused-style scores.
 */
export function registerSearch(program: Command, io: CliIo): void {
  program
    .command('search <collection>')
    .description(
      'keyword, vector or hybrid search: --text finds words in content, with --vector/--id both rankings are fused (higher score = better)',
    )
    .option('--text <words>', 'words to find in content (plain text; quotes and operators are just words)')
    .option('--vector <json>', 'query vector as a JSON array, e.g. "[0.1, 0.2, 0.3]"')
    .option('--id <id>', "use this stored item's vector as the query (the item itself is left out)")
    .option('-k, --k <n>', 'number of results', positiveInteger, 10)
    .option('--filter <json>', 'metadata filter applied to both sides, e.g. \'{"lang": "en"}\'')
    .option('--content', "include each item's content")
    .option('--index <name>', "vector side: search through this index instead of the collection's default index")
    .addOption(new Option('--exact', 'vector side: exact search, bypassing every index').conflicts('index'))
    .addOption(
      new Option('--stale <policy>', 'when the index is behind the store: sync (default), allow or error').choices([
        'sync',
        'allow',
        'error',
      ]),
    )
    .option('--param <key=value>', 'per-query index parameter, repeatable, e.g. --param efSearch=100', keyValueParam)
    .option('--rrf-k <n>', 'Reciprocal Rank Fusion constant (default 60)', nonNegative)
    .option('--vector-weight <w>', 'weight of the vector ranking (default 1)', nonNegative)
    .option('--keyword-weight <w>', 'weight of the keyword ranking (default 1)', nonNegative)
    .option('--candidates <n>', 'hits each side contributes before fusion (default max(2k, 50))', positiveInteger)
    .option('--explain', 'also print how the query was answered; with --json: {plan, hits}')
    .addHelpText(
      'after',
      `
Examples:
  vecdex search docs --text 'wool coat'                          # keyword only (bm25)
  vecdex search docs --text 'wool coat' --id doc-42 -k 5         # hybrid
  vecdex search docs --text 'coat' --vector '[0.1, 0.9]' --keyword-weight 2 --filter '{"lang":"en"}' --explain`,
    )
    .action(async (collection: string, opts: SearchOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      if (opts.vector !== undefined && opts.id !== undefined)
        throw new UsageError('give at most one of --vector <json> and --id <id>');
      if (opts.text === undefined && opts.vector === undefined && opts.id === undefined) {
        throw new UsageError('give --text <words>, --vector <json> or --id <id> (or --text with one of the others)');
      }
      let vector: number[] | undefined;
      if (opts.vector !== undefined) {
        const parsed = jsonOption('--vector', opts.vector, '[0.1, 0.2, 0.3]');
        if (!Array.isArray(parsed)) throw new UsageError('--vector must be a JSON array of numbers, e.g. "[0.1, 0.2, 0.3]"');
        vector = parsed as number[];
      }
      const filter = opts.filter === undefined ? null : (jsonOption('--filter', opts.filter, '{"lang": "en"}') as Filter);
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
        k: opts.k,
        filter,
        fusion,
        include: { metadata: true, content: withContent },
        ...(opts.text !== undefined ? { text: opts.text } : {}),
        ...(vector !== undefined ? { vector } : {}),
        ...(opts.id !== undefined ? { id: opts.id } : {}),
        ...(opts.index !== undefined ? { index: opts.index } : {}),
        ...(opts.exact === true ? { exact: true } : {}),
        ...(opts.stale !== undefined ? { stale: opts.stale } : {}),
        ...(opts.param !== undefined ? { params: opts.param } : {}),
      };
      const { hits, plan } = await withStore(ctx, (vx) => vx.collection(collection).search(request));
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
      printHits(ctx, plan, views, opts.explain === true, () => {
        const headers = ['RANK', 'ID', 'SCORE', 'DISTANCE', 'KEYWORD', 'METADATA', ...(withContent ? ['CONTENT'] : [])];
        const rows = views.map((v, i) => [
          String(i + 1),
          v.id,
          v.score.toFixed(5),
          v.distance === null ? '-' : formatDistance(v.distance),
          v.keywordScore === null ? '-' : v.keywordScore.toPrecision(3),
          v.metadata === null ? '-' : truncate(JSON.stringify(v.metadata), CELL),
          ...(withContent ? [v.content === null || v.content === undefined ? '-' : truncate(v.content, CELL)] : []),
        ]);
        return formatTable(headers, rows, { align: ['right', 'left', 'right', 'right', 'right', 'left', 'left'] });
      });
    });
}
