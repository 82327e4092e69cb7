import type { EmbeddingProvider, ProviderPluginSpec } from '../contracts/embedding-provider.js';
import type { IndexPluginSpec } from '../contracts/index-plugin.js';
import type { VecdexPlugin } from '../contracts/plugin.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { checkPlannerHints } from './check-planner-hints.js';

/** The index and provider plugins a Vecdex instance has loaded, by name. */
export class PluginRegistry {
  readonly #indexes = new Map<string, VecdexPlugin<IndexPluginSpec>>();
  readonly #providers = new Map<string, VecdexPlugin<ProviderPluginSpec>>();

  /** Register a loaded plugin. Two plugins of one kind may not share a name. */
  add(plugin: VecdexPlugin): void {
    if (plugin.kind === 'backend') {
      throw new VecdexError(
        'PLUGIN_INVALID',
        `"${plugin.name}" is a backend plugin; name it under "backend" in the config, not "plugins"`,
      );
    }
    if (plugin.kind === 'index') checkPlannerHints(plugin);
    const map = plugin.kind === 'index' ? this.#indexes : this.#providers;
    if (map.has(plugin.name)) {
      throw new VecdexError('PLUGIN_INVALID', `two ${plugin.kind} plugins are named "${plugin.name}"; load only one`);
    }
    (map as Map<string, VecdexPlugin>).set(plugin.name, plugin);
  }

  /** The index plugin of that name, or a clear error listing what is loaded. */
  index(name: string): VecdexPlugin<IndexPluginSpec> {
    const p = this.#indexes.get(name);
    if (p === undefined) throw missing('index', name, [...this.#indexes.keys()]);
    return p;
  }

  /** The index plugin of that name, or undefined when none is loaded (for callers that fail elsewhere). */
  findIndex(name: string): VecdexPlugin<IndexPluginSpec> | undefined {
    return this.#indexes.get(name);
  }

  provider(name: string): VecdexPlugin<ProviderPluginSpec> {
    const p = this.#providers.get(name);
    if (p === undefined) throw missing('provider', name, [...this.#providers.keys()]);
    return p;
  }

  indexNames(): string[] {
    return [...this.#indexes.keys()];
  }

  providerNames(): string[] {
    return [...this.#providers.keys()];
  }
}

function missing(kind: string, name: string, loaded: string[]): VecdexError {
  const have = loaded.length > 0 ? `loaded: ${loaded.join(', ')}` : `no ${kind} plugins are loaded`;
  return new VecdexError(
    'PLUGIN_NOT_FOUND',
    `no ${kind} plugin named "${name}" (${have}); add its package to "plugins" in your vecdex config`,
    { details: { kind, name } },
  );
}

export type { EmbeddingProvider };
