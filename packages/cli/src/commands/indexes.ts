import type { Command } from 'commander';
import type { IndexDefinition, IndexStatus, JsonValue, Vecdex } from '@vecdex/core';
import { errors } from '@vecdex/core';
import { type CliContext, contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { confirm } from '../confirm.js';
import { indexProgress } from '../index-progress.js';
import { withStore } from '../open-store.js';
import { registerIndexExport } from './index-export.js';
import { formatBytes, formatCount, formatFields, formatTable, truncate } from '../output/format-table.js';
import { commaList, keyValueParam } from '../parse-args.js';
import { requireInputs } from '../require-inputs.js';

/** An index definition as `index create` and `index list` show it. */
export interface IndexView {
  name: string;
  plugin: string;
  collections: string[];
  params: { [key: string]: JsonValue };
  /** Collections whose default index this is (their `similar` uses it without `--index`). */
  defaultFor: string[];
  createdAt: string;
}

async function defaultsByIndex(vx: Vecdex): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const c of await vx.collections.list()) {
    if (c.defaultIndex === null) continue;
    const list = map.get(c.defaultIndex) ?? [];
    list.push(c.name);
    map.set(c.defaultIndex, list);
  }
  return map;
}

function view(def: IndexDefinition, defaults: Map<string, string[]>): IndexView {
  return {
    name: def.name,
    plugin: def.plugin,
    collections: def.collections,
    params: def.params,
    defaultFor: (defaults.get(def.name) ?? []).filter((c) => def.collections.includes(c)).sort(),
    createdAt: new Date(def.createdAt).toISOString(),
  };
}

function paramsText(params: { [key: string]: JsonValue }): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
}

function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/** `2 automatic rebuild(s) in 40 events since <date> (0.5/day; compaction 2)`. */
function rebuildRate(h: IndexStatus['history']): string {
  if (h.events === 0) return 'no builds or syncs recorded yet';
  const since = h.since === null ? '' : ` since ${new Date(h.since).toISOString()}`;
  const perDay = h.rebuildsPerDay === null ? '' : `, ${h.rebuildsPerDay.toFixed(2)}/day`;
  const causes = Object.entries(h.byCause)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return `${h.rebuilds} automatic rebuild(s) in ${h.events} recorded event(s)${since}${perDay}${causes === '' ? '' : ` (${causes})`}`;
}

/** The human form of `index status`. */
export function formatStatus(s: IndexStatus): string {
  const fields: [string, string][] = [
    ['index', s.definition.name],
    ['plugin', s.definition.plugin],
    ['collections', s.definition.collections.join(', ')],
    ['params', paramsText(s.definition.params)],
    ['built', s.built ? 'yes' : `no (run \`vecdex index build ${s.definition.name}\`)`],
    ['items', formatCount(s.items)],
    ['deleted', formatCount(s.deleted)],
    ['deleted fraction', `${(s.deletedFraction * 100).toFixed(1)}%`],
    ['pending changes', formatCount(s.pendingChanges)],
    ['size on disk', s.bytesOnDisk === null ? '-' : formatBytes(s.bytesOnDisk)],
    ['last sync', s.lastSync === null ? 'never' : new Date(s.lastSync).toISOString()],
    ['cursor', s.cursor ?? '-'],
  ];
  if (s.lastRebuild !== null) fields.push(['rebuilt', s.lastRebuild]);
  fields.push(['rebuild rate', rebuildRate(s.history)]);
  fields.push([
    'recent',
    s.history.recent.length === 0
      ? '-'
      : s.history.recent
          .map((e) => {
            const what = e.kind === 'sync' ? `${formatCount(e.items)} change(s) applied` : `${formatCount(e.items)} items`;
            return `\n  ${new Date(e.at).toISOString()}  ${e.kind.padEnd(7)} ${what} in ${e.durationMs.toFixed(0)} ms${e.reason === null ? '' : `: ${e.reason}`}`;
          })
          .join(''),
  ]);
  const stats = Object.entries(s.stats ?? {}).filter(([, v]) => v !== undefined);
  fields.push([
    'plugin stats',
    stats.length === 0 ? '-' : stats.map(([k, v]) => `\n  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(''),
  ]);
  return formatFields(fields);
}

/** Notes a plugin reported about the build (pgvector: memory, replaced INVALID indexes), one per line. */
function buildNotes(status: IndexStatus): string {
  const notices = status.stats?.buildNotices;
  if (!Array.isArray(notices) || notices.length === 0) return '';
  return notices.map((n) => `\nnote: ${String(n)}`).join('');
}

/** Run a build or rebuild with a progress display, and report it. */
async function runBuild(ctx: CliContext, name: string, verb: 'built' | 'rebuilt'): Promise<void> {
  await withStore(ctx, async (vx) => {
    await vx.indexes.get(name); // UNKNOWN_INDEX before anything else
    const progress = indexProgress(ctx, name);
    const start = performance.now();
    let status: IndexStatus;
    try {
      status = await (verb === 'built' ? vx.indexes.build(name, progress) : vx.indexes.rebuild(name, progress));
    } finally {
      progress.finish();
    }
    ctx.out.done(
      status,
      () =>
        `${verb} index "${name}": ${formatCount(status.items)} items from ${status.definition.collections.join(', ')} in ${seconds(start)}${buildNotes(status)}`,
    );
  });
}

/** `vecdex index create|list|build|rebuild|sync|status|drop|export`. */
export function registerIndexes(program: Command, io: CliIo): void {
  const group = program
    .command('index')
    .alias('indexes')
    .description('approximate-nearest-neighbour indexes: create, build, sync, inspect and drop them')
    .addHelpText(
      'after',
      `
An index plugin must be listed in "plugins" in the config, e.g. \`vecdex init --plugin @vecdex/index-hnswlib\`.

Examples:
  vecdex index create docs-hnsw --plugin hnswlib --collections docs --param M=32 --default
  vecdex index build docs-hnsw
  vecdex index sync docs-hnsw          # apply only what changed since the last build or sync
  vecdex index status docs-hnsw`,
    );

  group
    .command('create [name]')
    .description('define an index over one or more collections of the same dimensions and metric (empty until built)')
    .option('-p, --plugin <name>', 'index plugin name, e.g. hnswlib (its package must be in "plugins" in the config; required)')
    .option('--collections <a,b>', 'collections to index (comma-separated; required)', commaList)
    .option(
      '--param <key=value>',
      'index parameter, repeatable; values parse as JSON when they can (M=32, efConstruction=200)',
      keyValueParam,
    )
    .option('--default', 'make it the default index of its collections (`similar` then uses it)')
    .action(
      async (
        name: string | undefined,
        opts: { plugin?: string; collections?: string[]; param?: Record<string, JsonValue>; default?: boolean },
        cmd: Command,
      ) => {
        requireInputs(
          'index create',
          [
            ['an index name', name],
            ['--plugin <name>', opts.plugin],
            ['--collections <a,b>', opts.collections],
          ],
          'vecdex index create docs-hnsw --plugin hnswlib --collections docs',
        );
        const ctx = contextFor(io, cmd);
        await withStore(ctx, async (vx) => {
          const def = await vx.indexes.create({
            name: name as string,
            plugin: opts.plugin as string,
            collections: opts.collections as string[],
            params: opts.param ?? {},
            default: opts.default === true,
          });
          const v = view(def, await defaultsByIndex(vx));
          ctx.out.done(v, () => {
            const dflt = v.defaultFor.length > 0 ? `, default for ${v.defaultFor.join(', ')}` : '';
            return `created index "${v.name}" (${v.plugin} over ${v.collections.join(', ')}${dflt}); build it with \`vecdex index build ${v.name}\``;
          });
        });
      },
    );

  group
    .command('list')
    .alias('ls')
    .description('list indexes: plugin, collections, parameters, and which collections use them by default')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const defaults = await defaultsByIndex(vx);
        const list = (await vx.indexes.list()).map((d) => view(d, defaults));
        list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        ctx.out.data(list, () =>
          list.length === 0
            ? 'no indexes yet; create one with `vecdex index create <name> --plugin hnswlib --collections <collection>`'
            : formatTable(
                ['NAME', 'PLUGIN', 'COLLECTIONS', 'DEFAULT FOR', 'PARAMS'],
                list.map((v) => [
                  v.name,
                  v.plugin,
                  v.collections.join(','),
                  v.defaultFor.length === 0 ? '-' : v.defaultFor.join(','),
                  truncate(paramsText(v.params), 80),
                ]),
              ),
        );
      });
    });

  group
    .command('build <name>')
    .description('build the index from scratch from its collections')
    .action(async (name: string, _opts: unknown, cmd: Command) => runBuild(contextFor(io, cmd), name, 'built'));

  group
    .command('rebuild <name>')
    .description('build again from scratch, which also compacts away deleted entries')
    .action(async (name: string, _opts: unknown, cmd: Command) => runBuild(contextFor(io, cmd), name, 'rebuilt'));

  group
    .command('sync <name>')
    .description('apply the changes committed since the last build or sync (builds an index never built)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        await vx.indexes.get(name);
        const progress = indexProgress(ctx, name);
        const start = performance.now();
        let result: Awaited<ReturnType<typeof vx.indexes.sync>>;
        try {
          result = await vx.indexes.sync(name, progress);
        } finally {
          progress.finish();
        }
        const status = await vx.indexes.status(name);
        ctx.out.done({ index: name, applied: result.applied, rebuilt: result.rebuilt, status }, () => {
          const what =
            result.rebuilt !== null
              ? `rebuilt it (${result.rebuilt})${result.applied > 0 ? ` after applying ${formatCount(result.applied)} changes` : ''}`
              : result.applied === 0
                ? 'already up to date'
                : `applied ${formatCount(result.applied)} change${result.applied === 1 ? '' : 's'}`;
          return `synced index "${name}": ${what}; ${formatCount(status.items)} items, ${formatCount(status.pendingChanges)} pending, in ${seconds(start)}`;
        });
      });
    });

  group
    .command('status <name>')
    .description('built, items, deleted, pending changes, size on disk, last sync, cursor, plugin stats')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const status = await vx.indexes.status(name);
        ctx.out.data(status, () => formatStatus(status));
      });
    });

  group
    .command('drop <name>')
    .alias('rm')
    .description(
      'drop an index: its files, its definition, and its use as a default (asks first on a terminal; scripts pass --yes)',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      await withStore(ctx, async (vx) => {
        const def = await vx.indexes.get(name); // also: UNKNOWN_INDEX before asking
        const ok = await confirm(io, `drop index "${name}" (${def.plugin} over ${def.collections.join(', ')})?`, {
          yes: opts.yes === true,
        });
        if (!ok) throw new CliError('ABORTED', 'not dropped');
        const wasDefault = view(def, await defaultsByIndex(vx)).defaultFor;
        if (!(await vx.indexes.drop(name))) throw errors.unknownIndex(name);
        ctx.out.done({ dropped: name, collections: def.collections }, () => {
          const exact =
            wasDefault.length > 0 ? ` (${wasDefault.join(', ')} now use${wasDefault.length === 1 ? 's' : ''} exact search)` : '';
          return `dropped index "${name}"${exact}`;
        });
      });
    });

  registerIndexExport(group, io);
}
