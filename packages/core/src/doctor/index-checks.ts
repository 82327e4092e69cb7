import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DoctorCheck } from '../contracts/doctor-check.js';
import type { IndexPluginSpec, VectorIndex } from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { isVecdexError } from '../errors/vecdex-error.js';
import type { IndexDefinition } from '../model/index-definition.js';
import type { JsonValue } from '../model/item.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { formatBytes, messageOf } from './doctor-format.js';

/** A deleted fraction past this is reported as a warning (the next rebuild gives the space back). */
export const DOCTOR_TOMBSTONE_WARN = 0.3;

/**
 * The checks of one index, reading only: its plugin is loaded, it was built, its directory is a
 * directory whose files verify against their manifest and the catalog (`VectorIndex.verify` on
 * an instance that is opened, never loaded or saved), how many changes are pending, the
 * tombstone fraction and the size on disk. Unlike `vx.indexes.status`, nothing is rebuilt,
 * created or moved aside.
 */
export async function checkIndex(
  def: IndexDefinition,
  deps: { backend: StorageBackend; plugins: PluginRegistry; dataDir: string },
): Promise<DoctorCheck[]> {
  const name = `index.${def.name}`;
  const rebuild = `vecdex index rebuild ${def.name}`;
  let plugin: IndexPluginSpec;
  try {
    plugin = deps.plugins.index(def.plugin);
  } catch {
    return [
      {
        name,
        status: 'fail',
        message: `index plugin "${def.plugin}" is not loaded`,
        remedy: `add the package of the "${def.plugin}" index plugin to "plugins" in your vecdex config`,
        details: { plugin: def.plugin },
      },
    ];
  }
  const state = await deps.backend.getIndexState(def.name);
  if (state === null) {
    return [{ name, status: 'warn', message: `not built yet (plugin ${def.plugin})`, remedy: `vecdex index build ${def.name}` }];
  }
  const checks: DoctorCheck[] = [];
  if (plugin.maintainedByStore === true) {
    checks.push({ name, status: 'ok', message: `${def.plugin}: kept current by the store itself (no files, never behind)` });
    return checks;
  }
  checks.push(await checkFiles(def, plugin, state.state, deps, rebuild));
  checks.push(await checkPending(def, state.cursor, deps.backend));
  return checks;
}

async function checkFiles(
  def: IndexDefinition,
  plugin: IndexPluginSpec,
  catalog: { [key: string]: JsonValue },
  deps: { backend: StorageBackend; dataDir: string },
  rebuild: string,
): Promise<DoctorCheck> {
  const name = `index.${def.name}.files`;
  const directory = path.join(deps.dataDir, 'indexes', def.name);
  const info = await stat(directory).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    const missing = info.code === 'ENOENT';
    return {
      name,
      status: 'fail',
      message: missing ? `the index directory ${directory} is missing` : `${directory}: ${info.message}`,
      remedy: missing ? `${rebuild} (the store is the source of truth)` : `check the data directory, then ${rebuild}`,
      details: { directory },
    };
  }
  if (!info.isDirectory()) {
    return {
      name,
      status: 'fail',
      message: `${directory} is a plain file, not the index's directory`,
      remedy: `${rebuild}: it moves the file aside (${path.basename(directory)}.not-a-directory-<time>) and rebuilds from the store`,
      details: { directory },
    };
  }
  const bytes = await directoryBytes(directory);
  const first = await deps.backend.getCollection(def.collections[0] as string);
  if (first === null) {
    return {
      name,
      status: 'fail',
      message: 'covers a collection that no longer exists',
      remedy: `vecdex index drop ${def.name}`,
    };
  }
  let index: VectorIndex | null = null;
  try {
    index = await plugin.open({
      definition: def,
      dimensions: first.dimensions,
      metric: first.metric,
      directory,
      backend: deps.backend,
    });
    if (typeof index.verify !== 'function') {
      return {
        name,
        status: 'skip',
        message: `plugin ${def.plugin} cannot verify its files without loading them`,
        details: { bytes },
      };
    }
    const v = await index.verify(catalog);
    if (!v.ok) {
      return {
        name,
        status: 'fail',
        message: `files fail verification: ${v.reason}`,
        remedy: `${rebuild} (a search or sync would rebuild it too, first)`,
        details: { directory, reason: v.reason, bytes },
      };
    }
    const fraction = v.items + v.deleted === 0 ? 0 : v.deleted / (v.items + v.deleted);
    const pct = `${(fraction * 100).toFixed(1)}%`;
    const high = fraction >= DOCTOR_TOMBSTONE_WARN;
    // Saves since the last whole write that appended their changes (a load replays them).
    const journals =
      v.journalFiles !== undefined && v.journalFiles > 0
        ? `; ${v.journalFiles} change journal${v.journalFiles === 1 ? '' : 's'} since the last whole write (replayed at load)`
        : '';
    return {
      name,
      status: high ? 'warn' : 'ok',
      message: `files verify against their manifest: ${v.items} items, ${v.deleted} deleted (${pct}), ${formatBytes(bytes)}${journals}`,
      ...(high ? { remedy: `${rebuild} gives the deleted entries' space back` } : {}),
      details: {
        items: v.items,
        deleted: v.deleted,
        deletedFraction: fraction,
        bytes,
        ...(v.journalFiles === undefined ? {} : { journalFiles: v.journalFiles }),
      },
    };
  } catch (err) {
    return {
      name,
      status: 'fail',
      message: `could not open the index: ${messageOf(err)}`,
      remedy: isVecdexError(err, 'MISSING_NATIVE_DEPENDENCY') ? 'see the plugin check above' : rebuild,
      details: { directory },
    };
  } finally {
    await index?.close().catch(() => undefined);
  }
}

async function checkPending(def: IndexDefinition, cursor: string | null, backend: StorageBackend): Promise<DoctorCheck> {
  const name = `index.${def.name}.pending`;
  try {
    const pending = await backend.countChanges(def.collections, cursor);
    if (pending === 0) return { name, status: 'ok', message: 'up to date with the store', details: { pending } };
    return {
      name,
      status: 'warn',
      message: `${pending} change(s) not applied yet (the next search or sync applies them)`,
      remedy: `vecdex index sync ${def.name}`,
      details: { pending },
    };
  } catch (err) {
    if (!isVecdexError(err, 'CURSOR_EXPIRED')) throw err;
    return {
      name,
      status: 'warn',
      message: "the change feed's tombstones were pruned past this index's cursor: its next sync rebuilds it",
      remedy: `vecdex index rebuild ${def.name}`,
    };
  }
}

async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const s = await stat(path.join(directory, entry.name)).catch(() => null);
    total += s?.size ?? 0;
  }
  return total;
}
