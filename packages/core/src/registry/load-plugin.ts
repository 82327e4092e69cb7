import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTRACT_VERSION, isPlugin, type PluginSpec, type VecdexPlugin } from '../contracts/plugin.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { PluginRef } from '../config/vecdex-config.js';
import { checkPluginShape, notAPluginHint } from './check-plugin.js';
import { resolvePackageEntry } from './resolve-package.js';

/**
 * Load a plugin from a package name, a file path, or a plugin object, and check it: the default
 * export must be made by `definePlugin`, of the expected kind, for this core's contract version.
 * Each failure is a typed error naming the package and saying what to do.
 */
export async function loadPlugin<K extends PluginSpec['kind']>(
  ref: PluginRef,
  options: { kind?: K; resolvePaths: readonly string[]; baseDir: string },
): Promise<VecdexPlugin<Extract<PluginSpec, { kind: K }>>> {
  const label = typeof ref === 'string' ? ref : `plugin "${ref.name}"`;
  const mod = typeof ref === 'string' ? await importRef(ref, options) : { default: ref };
  const plugin = (mod as { default?: unknown }).default ?? mod;
  if (!isPlugin(plugin)) {
    throw new VecdexError(
      'PLUGIN_INVALID',
      `${label} is not a vecdex plugin: its default export must be made with definePlugin() from @vecdex/core${typeof ref === 'string' ? notAPluginHint(mod) : ''}`,
      { details: { plugin: label } },
    );
  }
  if (typeof plugin.contractVersion !== 'number') {
    throw new VecdexError(
      'PLUGIN_INVALID',
      `${label} declares no plugin contract version; make its default export with definePlugin() from @vecdex/core`,
      { details: { plugin: label } },
    );
  }
  if (plugin.contractVersion !== CONTRACT_VERSION) {
    throw new VecdexError(
      'PLUGIN_CONTRACT_MISMATCH',
      `${label} was built for vecdex plugin contract v${plugin.contractVersion}, but this @vecdex/core implements v${CONTRACT_VERSION}; install versions of ${label} and @vecdex/core that match`,
      { details: { plugin: label, pluginVersion: plugin.contractVersion, coreVersion: CONTRACT_VERSION } },
    );
  }
  checkPluginShape(plugin, label);
  if (options.kind !== undefined && plugin.kind !== options.kind) {
    throw new VecdexError(
      'PLUGIN_INVALID',
      `${label} is ${article(plugin.kind)} ${plugin.kind} plugin, but ${article(options.kind)} ${options.kind} plugin is needed here`,
      {
        details: { plugin: label, kind: plugin.kind, expected: options.kind },
      },
    );
  }
  return plugin as VecdexPlugin<Extract<PluginSpec, { kind: K }>>;
}

async function importRef(ref: string, options: { resolvePaths: readonly string[]; baseDir: string }): Promise<unknown> {
  const isPath = ref.startsWith('.') || path.isAbsolute(ref);
  let target: string | null = null;
  try {
    target = isPath ? path.resolve(options.baseDir, ref) : resolvePackageEntry(ref, options.resolvePaths);
    if (target !== null) {
      if (!existsSync(target)) {
        throw isPath
          ? new VecdexError('PLUGIN_NOT_FOUND', `plugin file ${target} was not found`, { details: { plugin: ref } })
          : new VecdexError(
              'PLUGIN_INVALID',
              `plugin package "${ref}" is installed, but its entry file ${target} does not exist; reinstall it (or build it, if it is a local package)`,
              { details: { plugin: ref } },
            );
      }
      return await import(pathToFileURL(target).href);
    }
    // Not found beside the project: let Node try from core's own location (hoisted installs).
    return await import(ref);
  } catch (err) {
    if (err instanceof VecdexError) throw err;
    // "Not installed" only when the plugin itself was not found. A package that is there but
    // fails to import (a missing dependency of its own, a syntax error) is a broken plugin.
    const code = (err as { code?: string }).code;
    const message = String((err as Error).message);
    if (target === null && code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${packageName(ref)}'`)) {
      throw new VecdexError(
        'PLUGIN_NOT_FOUND',
        `plugin package "${ref}" is not installed; install it in your project (npm install ${ref}) or fix the name in your vecdex config`,
        { cause: err, details: { plugin: ref } },
      );
    }
    throw new VecdexError('PLUGIN_INVALID', `plugin "${ref}" failed to load: ${message}`, {
      cause: err,
      details: { plugin: ref },
    });
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(ref: string): string {
  const parts = ref.split('/');
  return (ref.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
