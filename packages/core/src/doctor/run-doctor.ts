import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DoctorCheck } from '../contracts/doctor-check.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { type VecdexPlugin, definePlugin } from '../contracts/plugin.js';
import { loadConfig, resolveInlineConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/vecdex-config.js';
import { isVecdexError } from '../errors/vecdex-error.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import { checkPluginOptions } from '../registry/check-plugin-options.js';
import { loadPlugin } from '../registry/load-plugin.js';
import { PluginRegistry } from '../registry/plugin-registry.js';
import { resolvePackageEntry } from '../registry/resolve-package.js';
import type { OpenVecdexOptions } from '../api/open-vecdex.js';
import { messageOf } from './doctor-format.js';
import { checkIndex } from './index-checks.js';
import { checkEmbeddingProvider } from './provider-checks.js';
import { describeLoadFailure } from './native-load-failure.js';

/** What `vx.doctor()` and `doctor()` return: every check, and whether any failed. */
export interface DoctorReport {
  /** False when any check failed (`vecdex doctor` then exits 1). Warnings do not count. */
  ok: boolean;
  checks: DoctorCheck[];
  /** How long the checks took. */
  durationMs: number;
}

/**
 * Check an installation without opening the store for writing: Node and package versions,
 * every configured plugin (and its native add-ons) loads, the store opens (read-only, through
 * the backend's `openForInspection`) and passes its own checks (`StorageBackend.diagnose`), and
 * every index's files verify against their manifest, with pending changes, tombstones and
 * size. Never throws for what it finds, and writes nothing: a corrupt store, a missing add-on,
 * a server that is down are failed checks, each saying what to do.
 *
 * ```ts
 * const report = await doctor({ cwd: '/srv/app' })
 * for (const c of report.checks) if (c.status === 'fail') console.log(c.name, c.message, c.remedy)
 * ```
 */
export async function doctor(options: OpenVecdexOptions = {}): Promise<DoctorReport> {
  const started = performance.now();
  const checks: DoctorCheck[] = [nodeCheck(), coreCheck()];
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  let config: ResolvedConfig;
  try {
    config =
      typeof options.config === 'object'
        ? resolveInlineConfig(options.config, { cwd, env })
        : await loadConfig({ file: options.config, cwd, env });
    checks.push({
      name: 'config',
      status: 'ok',
      message: config.configPath === null ? `no config file found from ${cwd}: defaults apply` : `loaded ${config.configPath}`,
    });
  } catch (err) {
    checks.push({
      name: 'config',
      status: 'fail',
      message: messageOf(err),
      remedy: 'fix the config file (vecdex config show prints what is used)',
    });
    return report(checks, started);
  }
  const resolvePaths = [config.baseDir, cwd, ...(options.resolvePaths ?? [])];
  const plugins = new PluginRegistry();
  for (const ref of config.plugins) {
    const plugin = await loadChecked(ref, { resolvePaths, baseDir: config.baseDir }, checks);
    if (plugin === null) continue;
    try {
      plugins.add(plugin);
    } catch (err) {
      checks.push({ name: `plugin.${label(ref)}`, status: 'fail', message: messageOf(err), remedy: 'list each plugin once' });
    }
  }
  checks.push(...(await checkEmbeddingProvider(config, plugins, env)));
  let backend = options.backend ?? null;
  let opened = false;
  if (backend === null) {
    const plugin = await loadChecked(config.backend.use, { kind: 'backend', resolvePaths, baseDir: config.baseDir }, checks);
    if (plugin !== null && plugin.kind === 'backend') {
      backend = await openForInspection(plugin, config, env, checks);
      opened = backend !== null;
    }
  }
  if (backend === null) return report(checks, started);
  try {
    for (const spec of backend.indexPlugins?.() ?? []) plugins.add(definePlugin(spec));
    checks.push(...(await diagnoseStore(backend, plugins, config.dataDir)));
  } finally {
    if (opened) await backend.close().catch(() => undefined);
  }
  return report(checks, started);
}

/**
 * The checks of an open store: the backend's own (`diagnose`), every index, the embedding
 * caches. `vx.doctor()` runs these after the version and plugin checks.
 */
export async function diagnoseStore(backend: StorageBackend, plugins: PluginRegistry, dataDir: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  await guarded(checks, 'store', async () => {
    if (typeof backend.diagnose === 'function') checks.push(...(await backend.diagnose()));
    else
      checks.push({ name: 'store', status: 'skip', message: `backend ${backend.name} has no checks of its own (no diagnose)` });
  });
  let definitions: Awaited<ReturnType<StorageBackend['listIndexDefinitions']>> = [];
  await guarded(checks, 'indexes', async () => {
    definitions = await backend.listIndexDefinitions();
    checks.push({ name: 'indexes', status: 'ok', message: `${definitions.length} index(es) defined` });
  });
  for (const def of definitions) {
    await guarded(checks, `index.${def.name}`, async () => {
      checks.push(...(await checkIndex(def, { backend, plugins, dataDir })));
    });
  }
  await guarded(checks, 'embedding-cache', async () => {
    const caches = (await backend.listCollections()).filter(
      (c) => isReservedCollectionName(c.name) && c.name.includes('.cache.'),
    );
    let items = 0;
    for (const c of caches) items += await backend.count(c.name);
    checks.push({
      name: 'embedding-cache',
      status: 'ok',
      message: `${items} cached embedding(s) in ${caches.length} cache collection(s)`,
      details: { items, collections: caches.length },
    });
  });
  return checks;
}

/** The version checks and a loaded registry's plugin checks, for `vx.doctor()`. */
export async function diagnosePlugins(plugins: PluginRegistry): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [nodeCheck(), coreCheck()];
  for (const name of plugins.indexNames()) {
    const spec = plugins.index(name);
    await guarded(checks, `plugin.${name}`, async () => {
      if (typeof spec.diagnose === 'function') checks.push(...(await spec.diagnose()));
    });
  }
  return checks;
}

/** The report of `checks`, begun at `started` (`performance.now()`). */
export function report(checks: DoctorCheck[], started: number): DoctorReport {
  return { ok: !checks.some((c) => c.status === 'fail'), checks, durationMs: Math.round(performance.now() - started) };
}

/** Run a group of checks; an unexpected error becomes a failed check of that name, never a throw. */
async function guarded(checks: DoctorCheck[], name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const remedy = isVecdexError(err, 'STORE_CORRUPT')
      ? 'the store is damaged: see store.integrity'
      : isVecdexError(err, 'BACKEND_FAILURE')
        ? 'see store.open: the store is unreachable'
        : 'run the failing command with VECDEX_DEBUG=1 for details';
    checks.push({ name, status: 'fail', message: messageOf(err), remedy });
  }
}

async function loadChecked(
  ref: Parameters<typeof loadPlugin>[0],
  options: { kind?: 'backend'; resolvePaths: readonly string[]; baseDir: string },
  checks: DoctorCheck[],
): Promise<VecdexPlugin | null> {
  const name = `plugin.${label(ref)}`;
  let plugin: VecdexPlugin;
  try {
    plugin = await loadPlugin(ref, options);
  } catch (err) {
    const pkg = typeof ref === 'string' ? ref : ref.name;
    const failure = describeLoadFailure(err, pkg);
    const notInstalled = isVecdexError(err, 'PLUGIN_NOT_FOUND');
    checks.push({
      name,
      status: 'fail',
      message: failure.kind === 'other' || notInstalled ? messageOf(err) : `${pkg} failed to load: ${failure.message}`,
      remedy: notInstalled ? `install it: npm install ${pkg} (or fix the name in your vecdex config)` : failure.remedy,
      details: { kind: failure.kind },
    });
    return null;
  }
  const version = typeof ref === 'string' ? packageVersion(ref, options.resolvePaths) : null;
  checks.push({
    name: isPathRef(ref) ? `plugin.${plugin.name}` : name,
    status: 'ok',
    message: `${plugin.kind} plugin "${plugin.name}"${version === null ? '' : ` ${version}`} loads`,
    ...(version === null ? {} : { details: { version } }),
  });
  const diagnose = (plugin as { diagnose?: () => Promise<DoctorCheck[]> }).diagnose;
  if (typeof diagnose === 'function') {
    await guarded(checks, name, async () => {
      checks.push(...(await diagnose.call(plugin)));
    });
  }
  return plugin;
}

async function openForInspection(
  plugin: VecdexPlugin & { kind: 'backend' },
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  checks: DoctorCheck[],
): Promise<StorageBackend | null> {
  if (typeof plugin.openForInspection !== 'function') {
    checks.push({
      name: 'store.open',
      status: 'skip',
      message: `backend ${plugin.name} cannot open a store read-only (no openForInspection): store and index checks skipped rather than risk a write`,
    });
    return null;
  }
  try {
    checkPluginOptions(plugin, config.backend.options, 'backend.options');
    const fromEnv = plugin.optionsFromEnv?.(env) ?? {};
    const backend = await plugin.openForInspection({ ...config.backend.options, ...fromEnv }, { baseDir: config.baseDir });
    checks.push({ name: 'store.open', status: 'ok', message: `${plugin.name} store opens (read-only)` });
    return backend;
  } catch (err) {
    checks.push({ name: 'store.open', status: 'fail', message: messageOf(err), remedy: storeRemedy(err) });
    return null;
  }
}

function storeRemedy(err: unknown): string {
  if (isVecdexError(err, 'STORE_CORRUPT'))
    return 'restore the last backup (vecdex restore <backup> --force), or point the backend at another file; the corrupt file was left as it is';
  if (isVecdexError(err, 'BACKEND_FAILURE'))
    return 'start the database server or fix the connection settings (backend.options.connectionString, VECDEX_DB_URL, PG*)';
  if (isVecdexError(err, 'MISSING_NATIVE_DEPENDENCY')) return describeLoadFailure(err, 'the backend').remedy;
  if (isVecdexError(err, 'STORE_SCHEMA_TOO_NEW')) return 'upgrade the backend package to the version that wrote this store';
  if (isVecdexError(err, 'NOT_SUPPORTED'))
    return 'create or migrate the store once with a normal command (e.g. vecdex collections list)';
  return 'run a vecdex command with VECDEX_DEBUG=1 for details';
}

const MIN_NODE = [20, 18];

function nodeCheck(): DoctorCheck {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const ok = major > (MIN_NODE[0] as number) || (major === MIN_NODE[0] && minor >= (MIN_NODE[1] as number));
  return {
    name: 'node',
    status: ok ? 'ok' : 'fail',
    message: `Node ${process.version} (${process.platform}-${process.arch}, NODE_MODULE_VERSION ${process.versions.modules})`,
    ...(ok ? {} : { remedy: `vecdex needs Node ${MIN_NODE.join('.')} or newer` }),
    details: { node: process.versions.node, modules: process.versions.modules },
  };
}

function coreCheck(): DoctorCheck {
  const version = ownVersion();
  return { name: 'core', status: 'ok', message: `@vecdex/core ${version}`, details: { version } };
}

function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The installed version of a plugin package (its package.json beside its entry), or null. */
function packageVersion(ref: string, resolvePaths: readonly string[]): string | null {
  if (ref.startsWith('.') || path.isAbsolute(ref)) return null;
  const entry = resolvePackageEntry(ref, resolvePaths);
  if (entry === null) return null;
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === ref) return pkg.version ?? null;
    } catch {
      // no package.json at this level
    }
  }
  return null;
}

function isPathRef(ref: Parameters<typeof loadPlugin>[0]): boolean {
  return typeof ref === 'string' && (ref.startsWith('.') || path.isAbsolute(ref));
}

function label(ref: Parameters<typeof loadPlugin>[0]): string {
  return typeof ref === 'string' ? ref : ref.name;
}
