import path from 'node:path';
import type { Command } from 'commander';
import { type CopyReport, type Vecdex, type VecdexConfig, openVecdex } from '@vecdex/core';
import { redactText } from '../output/redact.js';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { CLI_PACKAGE_DIR, withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';
import { commaList, positiveInteger } from '../parse-args.js';
import { Progress } from '../progress.js';

interface CopyFlags {
  to: string;
  schema?: string;
  collections?: string[];
  batchSize?: number;
  sample?: string;
  snapshot: boolean;
}

/**
 * Open the store `--to` names: a PostgreSQL URL (pgvector; `--schema` picks the schema), a
 * `.db`/`.sqlite` file (sqlite-vec), or a vecdex config file. Plugins resolve from the working
 * directory's project, then the CLI's own.
 */
export async function openTarget(io: CliIo, to: string, schema?: string): Promise<Vecdex> {
  let config: VecdexConfig | string;
  if (/^postgres(ql)?:\/\//i.test(to)) {
    config = { backend: { use: 'pgvector', options: { connectionString: to, ...(schema ? { schema } : {}) } } };
  } else if (/\.(db|sqlite3?)$/i.test(to)) {
    config = { backend: { use: 'sqlitevec', options: { path: path.resolve(io.cwd, to) } } };
  } else {
    config = path.resolve(io.cwd, to);
  }
  return openVecdex({ config, cwd: io.cwd, env: {}, resolvePaths: [CLI_PACKAGE_DIR] });
}

/** `vecdex copy --to <target>`: every collection (or those named) into another store, resumably. */
export function registerCopy(program: Command, io: CliIo): void {
  program
    .command('copy')
    .description('copy collections with their items, index definitions and aliases into another store (resumable, verified)')
    .requiredOption('--to <target>', 'a PostgreSQL URL (postgres://...), a sqlite-vec file (.db) or a vecdex config file')
    .option('--schema <name>', 'with a PostgreSQL URL: the schema to write (default vecdex)')
    .option('--collections <a,b>', 'only these collections (default: all)', commaList)
    .option('-b, --batch-size <n>', 'items per read and write (default 1000)', positiveInteger)
    .option('--sample <n>', 'vectors per collection compared bit for bit at the end (default 100, 0: none)')
    .option(
      '--no-snapshot',
      'read the source page by page instead of from one point-in-time snapshot (a snapshot holds back VACUUM on PostgreSQL while the copy runs)',
    )
    .addHelpText(
      'after',
      `
Examples:
  vecdex copy --to postgres://me@db.internal/app
  vecdex copy --to other.config.json --collections docs,notes

Interrupted (Ctrl-C, a crash, kill -9)? Run the same command again: it resumes where the target's
checkpoint says it stopped, and every item ends up there exactly once. Index files are not
copied; the target builds its indexes (vecdex index build) from the copied definitions.
A source that can (pgvector) is read from one point-in-time snapshot, so writers may go on during
the copy and the verification still holds; others are read page by page.`,
    )
    .action(async (opts: CopyFlags, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const sample = opts.sample === undefined ? undefined : Number(opts.sample);
      if (sample !== undefined && !(Number.isInteger(sample) && sample >= 0)) {
        throw new CliError('USAGE', `--sample must be a whole number, got ${opts.sample}`, { exitCode: 2 });
      }
      const where = redactText(opts.to);
      const report = await withStore(ctx, async (vx) => {
        const target = await openTarget(io, opts.to, opts.schema);
        const bar = new Progress({ stream: io.stderr, enabled: !ctx.globals.json && !ctx.globals.quiet, label: 'copying' });
        const controller = new AbortController();
        const onSigint = () => {
          bar.finish();
          controller.abort(new CliError('INTERRUPTED', 'interrupted', { exitCode: 130 }));
        };
        process.on('SIGINT', onSigint);
        try {
          return await vx.copyTo(target, {
            ...(opts.collections ? { collections: opts.collections } : {}),
            ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
            ...(sample !== undefined ? { sample } : {}),
            snapshot: opts.snapshot,
            signal: controller.signal,
            onProgress: (p) => bar.update(p.allDone),
          });
        } catch (err) {
          if (controller.signal.aborted) {
            throw new CliError('INTERRUPTED', 'interrupted; every batch already copied stays in the target', {
              exitCode: 130,
              hint: 're-run the same command to resume',
            });
          }
          throw err;
        } finally {
          bar.finish();
          process.off('SIGINT', onSigint);
          await target.close();
        }
      });
      ctx.out.done({ ...report, to: where }, () => describeCopy(report, where));
    });
}

function describeCopy(r: CopyReport, where: string): string {
  const lines = r.collections.map((c) => {
    const how = c.alreadyDone
      ? 'already copied'
      : `${formatCount(c.items)} item(s)${c.resumedAt > 0 ? ` (resumed at ${formatCount(c.resumedAt)})` : ''}, ${c.sampled} vector(s) verified bit for bit`;
    return `  ${c.name}: ${how}`;
  });
  const extra = [
    r.indexes.length > 0 ? `index definitions: ${r.indexes.join(', ')} (build them there with vecdex index build)` : '',
    ...r.skippedIndexes.map((s) => `skipped index ${s.name}: ${s.reason}`),
    r.aliases.length > 0 ? `aliases: ${r.aliases.join(', ')}` : '',
    r.snapshot
      ? 'read from one point-in-time snapshot of the source'
      : 'read page by page: the source has no snapshot reads (or --no-snapshot), so stop writers during a copy',
  ].filter((x) => x !== '');
  return [`copied ${r.collections.length} collection(s) to ${where} in ${r.seconds.toFixed(1)} s:`, ...lines, ...extra].join(
    '\n',
  );
}
