import path from 'node:path';
import type { Command } from 'commander';
import { estimateTokens } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { csvSource } from '../ingest/csv-source.js';
import { fileSource } from '../ingest/file-source.js';
import { jsonlSource } from '../ingest/jsonl-source.js';
import { type ProviderFlags, addProviderFlags } from '../ingest/provider-flags.js';
import { describeReport, failIfFailed, runIngest } from '../ingest/run-ingest.js';
import { sqlSource } from '../ingest/sql-source.js';
import type { ColumnChoice, TextSource } from '../ingest/text-source.js';
import { withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';
import { commaList } from '../parse-args.js';

interface EmbedMultiOptions extends ProviderFlags {
  files?: string[];
  jsonl?: string;
  csv?: string;
  sql?: string;
  database?: string;
  idColumn: string;
  textColumn: string;
  metadata?: string[];
  inferTypes: boolean;
  dryRun?: boolean;
}

async function pickSource(opts: EmbedMultiOptions, cwd: string): Promise<TextSource> {
  const given = [opts.files, opts.jsonl, opts.csv, opts.sql].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new UsageError(
      'give exactly one source: --files <glob...>, --jsonl <file>, --csv <file> or --sql <query> --database <file>',
    );
  const choice: ColumnChoice = { idColumn: opts.idColumn, textColumn: opts.textColumn, metadataColumns: opts.metadata };
  if (opts.files !== undefined) {
    if (opts.metadata !== undefined) throw new UsageError('--metadata applies to --jsonl, --csv and --sql, not to --files');
    return fileSource(opts.files, cwd);
  }
  // Paths as written resolve against the working directory the CLI was given.
  const at = (file: string) => path.resolve(cwd, file);
  if (opts.jsonl !== undefined) return jsonlSource(at(opts.jsonl), choice);
  if (opts.csv !== undefined) return csvSource(at(opts.csv), choice, { inferTypes: opts.inferTypes });
  if (opts.database === undefined) throw new UsageError('--sql needs --database <file.db>');
  return sqlSource(opts.sql as string, at(opts.database), choice);
}

/**
 * `vecdex embed-multi <collection>`: embed many texts from files, JSONL, CSV or a SQLite query.
 * Re-running it re-embeds only what changed; an interrupted run is finished by running it again.
 */
export function registerEmbedMulti(program: Command, io: CliIo): void {
  addProviderFlags(
    program
      .command('embed-multi <collection>')
      .description('embed many texts (files, JSONL, CSV or a SQLite query); re-runs embed only what changed')
      .option('--files <globs...>', 'one item per file: id = path relative to here, text = file content (quote the glob)')
      .option('--jsonl <file>', 'one JSON object per line')
      .option('--csv <file>', 'a CSV file with a header row')
      .option('--sql <query>', 'a SELECT against --database, e.g. "SELECT id, content, lang FROM notes"')
      .option('--database <file>', 'the SQLite database --sql reads (opened read-only)')
      .option('--id-column <name>', 'JSONL/CSV/SQL: the id field', 'id')
      .option('--text-column <name>', 'JSONL/CSV/SQL: the text field', 'content')
      .option(
        '--metadata <a,b>',
        'JSONL/CSV/SQL: fields to keep as metadata (JSONL default: the record\'s "metadata" object)',
        commaList,
      )
      .option('--no-infer-types', 'CSV: keep metadata values as strings')
      .option('--dry-run', 'count items and estimate tokens; embed and write nothing'),
  )
    .addHelpText(
      'after',
      `
Examples:
  vecdex embed-multi docs --files "docs/**/*.md" --store
  vecdex embed-multi docs --jsonl items.jsonl --text-column text --provider openai
  vecdex embed-multi notes --sql "SELECT id, body AS content, lang FROM notes" --database app.db --metadata lang
  vecdex embed-multi docs --files "**/*.txt" --dry-run

Each item keeps a hash of its text: a re-run sends only new and changed texts. Vectors are also
cached per model in the store, so the same text is never embedded twice. Items that still fail
after retries are listed, and the command exits 1; re-run it to retry them.`,
    )
    .action(async (collection: string, opts: EmbedMultiOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const source = await pickSource(opts, io.cwd);
      if (opts.dryRun === true) {
        let items = 0;
        let characters = 0;
        let tokens = 0;
        for await (const r of source.records()) {
          items++;
          characters += r.text.length;
          tokens += estimateTokens(r.text);
        }
        const result = { dryRun: true, collection, items, characters, estimatedTokens: tokens };
        ctx.out.data(result, () =>
          [
            `dry run: ${formatCount(items)} item(s) from ${source.describe}`,
            `${formatCount(characters)} characters, about ${formatCount(tokens)} tokens (estimate: characters / 4, not a real tokenizer)`,
            'nothing was embedded or written',
          ].join('\n'),
        );
        return;
      }
      const total = await source.count();
      const report = await withStore(ctx, (vx) => runIngest(vx, ctx, collection, opts, { records: source.records(), total }));
      ctx.out.done(report, () => describeReport(report));
      failIfFailed(ctx, report);
    });
}
