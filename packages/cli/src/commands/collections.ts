import type { Command } from 'commander';
import type { CollectionInfo, Metric, Vecdex } from '@vecdex/core';
import { errors } from '@vecdex/core';
import { requireInputs } from '../require-inputs.js';
import { contextFor } from '../cli-context.js';
import { CliError, UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { confirm } from '../confirm.js';
import { withStore } from '../open-store.js';
import { formatCount, formatFields, formatTable } from '../output/format-table.js';
import { metric, positiveInteger } from '../parse-args.js';

/** A collection as the CLI shows it: the backend's info plus the item count. */
export interface CollectionView {
  name: string;
  dimensions: number;
  metric: Metric;
  model: string | null;
  count: number;
  defaultIndex: string | null;
  createdAt: string;
  /** Declared filterable metadata fields (kept indexed by the backend). */
  filterable: string[];
}

async function view(vx: Vecdex, info: CollectionInfo): Promise<CollectionView> {
  return {
    name: info.name,
    dimensions: info.dimensions,
    metric: info.metric,
    model: info.model,
    count: await vx.collection(info.name).count(),
    defaultIndex: info.defaultIndex,
    createdAt: new Date(info.createdAt).toISOString(),
    filterable: info.filterable ?? [],
  };
}

/** `--filterable tenant,year` → `['tenant', 'year']` (core validates each). */
function fieldList(value: string): string[] {
  return value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

/** `vecdex collections create|list|info|delete`. */
export function registerCollections(program: Command, io: CliIo): void {
  const group = program.command('collections').alias('collection').description('create, list, inspect and delete collections');

  group
    .command('create [name]')
    .description('create a collection; dimensions and metric are fixed from then on')
    .option('-d, --dimensions <n>', 'numbers per vector (required)', positiveInteger)
    .option('-m, --metric <metric>', 'distance metric: cosine, l2, ip or l1', metric, 'cosine')
    .option('--model <name>', 'the embedding model that produces the vectors (recorded for reference)')
    .option('--filterable <fields>', 'metadata fields kept indexed for filters, comma-separated (e.g. tenant,year)', fieldList)
    .action(
      async (
        name: string | undefined,
        opts: { dimensions?: number; metric: Metric; model?: string; filterable?: string[] },
        cmd: Command,
      ) => {
        requireInputs(
          'collections create',
          [
            ['a collection name', name],
            ['--dimensions <n>', opts.dimensions],
          ],
          'vecdex collections create docs --dimensions 768',
        );
        const ctx = contextFor(io, cmd);
        await withStore(ctx, async (vx) => {
          const info = await vx.collections.create({
            name: name as string,
            dimensions: opts.dimensions as number,
            metric: opts.metric,
            model: opts.model ?? null,
            ...(opts.filterable ? { filterable: opts.filterable } : {}),
          });
          ctx.out.done(
            await view(vx, info),
            () => `created collection "${info.name}" (${info.dimensions} dimensions, ${info.metric})`,
          );
        });
      },
    );

  group
    .command('filterable <name> [fields]')
    .description(
      'declare the metadata fields kept indexed for filters (comma-separated; replaces the declared set, builds the new indexes now); --none drops them',
    )
    .option('--none', 'declare no filterable fields (drops their indexes)')
    .action(async (name: string, fields: string | undefined, opts: { none?: boolean }, cmd: Command) => {
      if ((fields === undefined) === (opts.none !== true)) {
        throw new UsageError('give the fields or --none', 'vecdex collections filterable docs tenant,year');
      }
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const info = await vx.collections.setFilterable(name, fields === undefined ? [] : fieldList(fields));
        const v = await view(vx, info);
        ctx.out.done(v, () =>
          v.filterable.length === 0
            ? `collection "${info.name}" has no filterable fields`
            : `collection "${info.name}": filterable ${v.filterable.join(', ')}`,
        );
      });
    });

  group
    .command('list')
    .alias('ls')
    .description('list collections with their item counts')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const list = await Promise.all((await vx.collections.list()).map((c) => view(vx, c)));
        list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        ctx.out.data(list, () =>
          list.length === 0
            ? 'no collections yet; create one with `vecdex collections create <name> --dimensions N`'
            : formatTable(
                ['NAME', 'DIMS', 'METRIC', 'COUNT', 'MODEL'],
                list.map((c) => [c.name, String(c.dimensions), c.metric, formatCount(c.count), c.model ?? '-']),
                { align: ['left', 'right', 'left', 'right', 'left'] },
              ),
        );
      });
    });

  group
    .command('info <name>')
    .description('show a collection: dimensions, metric, model, count, default index, creation time')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const v = await view(vx, await vx.collection(name).info());
        ctx.out.data(v, () =>
          formatFields([
            ['name', v.name],
            ['dimensions', String(v.dimensions)],
            ['metric', v.metric],
            ['model', v.model ?? '-'],
            ['count', formatCount(v.count)],
            ['default index', v.defaultIndex ?? '(none: exact search)'],
            ['filterable', v.filterable.length === 0 ? '-' : v.filterable.join(', ')],
            ['created', v.createdAt],
          ]),
        );
      });
    });

  group
    .command('delete <name>')
    .alias('rm')
    .description('delete a collection and all its items (asks first on a terminal; scripts pass --yes)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const count = await vx.collection(name).count(); // also: UNKNOWN_COLLECTION before asking
        const ok = await confirm(io, `delete collection "${name}" and its ${formatCount(count)} items?`, {
          yes: opts.yes === true,
        });
        if (!ok) throw new CliError('ABORTED', 'not deleted');
        if (!(await vx.collections.delete(name))) throw errors.unknownCollection(name);
        ctx.out.done({ deleted: name, items: count }, () => `deleted collection "${name}" (${formatCount(count)} items)`);
      });
    });
}
