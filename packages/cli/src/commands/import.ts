import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Metric } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { importFile } from '../import/import-file.js';
import { plural } from '../output/format-table.js';
import { IMPORT_FORMATS, type ImportFormat } from '../import/import-format.js';
import { withStore } from '../open-store.js';
import { commaList, metric, positiveInteger } from '../parse-args.js';
import { Progress } from '../progress.js';

interface ImportOptions {
  format?: ImportFormat;
  batchSize: number;
  idPrefix?: string;
  create?: boolean;
  dimensions?: number;
  metric?: Metric;
  model?: string;
  vectorColumns?: string;
  metadataColumns?: string[];
  inferTypes: boolean;
}

function format(value: string): ImportFormat {
  if (!(IMPORT_FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${IMPORT_FORMATS.join(', ')}.`);
  return value as ImportFormat;
}

/**
 * `vecdex import <collection> <file>`: validate the whole file first, then upsert in batches,
 * so a bad record (reported with its line) leaves the collection untouched.
 */
export function registerImport(program: Command, io: CliIo): void {
  program
    .command('import <collection> <file>')
    .description('import items from a JSONL, fvecs or CSV file (validated completely before anything is written)')
    .option('-f, --format <format>', `file format: ${IMPORT_FORMATS.join(', ')} (default: from the extension)`, format)
    .option('-b, --batch-size <n>', 'items per write', positiveInteger, 1000)
    .option('--id-prefix <prefix>', 'fvecs: ids are <prefix><row index>; JSONL/CSV: put in front of every id')
    .option('--create', 'create the collection if it does not exist')
    .option('-d, --dimensions <n>', "with --create: dimensions (default: the first record's)", positiveInteger)
    .option('-m, --metric <metric>', 'with --create: cosine, l2, ip or l1 (default cosine)', metric)
    .option('--model <name>', 'with --create: the embedding model name')
    .option('--vector-columns <prefix>', 'CSV: read the vector from columns <prefix>0, <prefix>1, ... instead of "vector"')
    .option('--metadata-columns <a,b>', 'CSV: only these columns go to metadata', commaList)
    .option('--no-infer-types', 'CSV: keep metadata values as strings (default: "42" -> 42, "true" -> true)')
    .addHelpText(
      'after',
      `
Formats:
  jsonl  one {"id", "vector", "content"?, "metadata"?} object per line (.jsonl, .ndjson, .json)
  fvecs  little-endian int32 dimension + float32 values per record; ids are the row index
  csv    header row with id, vector (JSON array) or v0..vN, optional content; other columns are metadata

Examples:
  vecdex import docs items.jsonl
  vecdex import sift base.fvecs --create --metric l2 --id-prefix sift-
  vecdex import docs items.csv --vector-columns v --metadata-columns lang,year`,
    )
    .action(async (collection: string, file: string, opts: ImportOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      if (opts.create !== true && (opts.dimensions !== undefined || opts.metric !== undefined || opts.model !== undefined)) {
        throw new UsageError('--dimensions, --metric and --model apply only with --create');
      }
      const showProgress = !ctx.globals.json && !ctx.globals.quiet;
      // SIGINT stops at the next batch boundary (a second one exits at once, as usual).
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
        io.stderr.write('vecdex: stopping after the batch being written (Ctrl-C again to quit now)\n');
      };
      process.on('SIGINT', onSigint);
      const result = await withStore(ctx, (vx) =>
        importFile(vx, {
          collection,
          file,
          format: opts.format,
          batchSize: opts.batchSize,
          reader: {
            idPrefix: opts.idPrefix,
            vectorColumns: opts.vectorColumns,
            metadataColumns: opts.metadataColumns,
            inferTypes: opts.inferTypes,
          },
          create: opts.create === true ? { dimensions: opts.dimensions, metric: opts.metric, model: opts.model ?? null } : null,
          progress: (label, total) => new Progress({ stream: io.stderr, enabled: showProgress, label, total, unit: 'records' }),
          signal: stop.signal,
        }),
      ).finally(() => process.off('SIGINT', onSigint));
      ctx.out.done(result, () => {
        const created = result.created ? ` (created collection "${result.collection}")` : '';
        const dupes =
          result.written < result.records ? ` (${plural(result.records, 'record')}; for a repeated id the last record wins)` : '';
        return `imported ${plural(result.written, 'item')} into "${result.collection}" from ${result.file}${created} in ${result.seconds.toFixed(1)} s${dupes}`;
      });
    });
}
