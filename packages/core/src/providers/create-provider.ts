import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import type { EmbeddingConfig } from '../config/vecdex-config.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { checkPluginOptions } from '../registry/check-plugin-options.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { BUILTIN_PROVIDERS, DEFAULT_PROVIDER } from './builtin-providers.js';
import { DEFAULT_OPENAI_API_BASE } from './openai-provider.js';

/** Embedding settings as a caller assembles them: config, then CLI flags; `apiKey` only from a flag or code. */
export interface ProviderRequest extends EmbeddingConfig {
  apiKey?: string;
}

/**
 * Merge embedding settings: later layers win, `undefined` values are skipped.
 *
 * ```ts
 * mergeEmbeddingSettings(vx.config.embedding, { model: flags.model })
 * ```
 */
export function mergeEmbeddingSettings(...layers: (ProviderRequest | undefined)[]): ProviderRequest {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) if (v !== undefined) out[k] = v;
  }
  return out as ProviderRequest;
}

/**
 * Make the provider the settings name: a provider plugin loaded from the config's `plugins`
 * (by name), else a built-in (`hashing`, `openai`). Without a name, `hashing`. The API key for
 * `openai` comes from `apiKey`, else the variable named by `apiKeyEnv`, else `VECDEX_API_KEY`,
 * else `OPENAI_API_KEY`; the base URL from `apiBase`, else `VECDEX_API_BASE`, else
 * `OPENAI_BASE_URL`, else OpenAI's. Plugin providers get every setting plus `options`.
 */
export async function createEmbeddingProvider(
  registry: PluginRegistry,
  request: ProviderRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EmbeddingProvider> {
  const name = request.provider ?? DEFAULT_PROVIDER;
  const plugin = registry.providerNames().includes(name) ? registry.provider(name) : BUILTIN_PROVIDERS.get(name);
  if (plugin === undefined) {
    const known = [...new Set([...BUILTIN_PROVIDERS.keys(), ...registry.providerNames()])];
    throw new VecdexError(
      'PLUGIN_NOT_FOUND',
      `no embedding provider named "${name}" (available: ${known.join(', ')}); add a provider plugin's package to "plugins" in your vecdex config`,
      { details: { kind: 'provider', name } },
    );
  }
  const { options, apiKeyEnv, ...settings } = request;
  checkPluginOptions(plugin, options, 'embedding.options');
  let apiKey = request.apiKey;
  if (apiKey === undefined && apiKeyEnv !== undefined) {
    apiKey = env[apiKeyEnv];
    if (apiKey === undefined || apiKey === '') {
      throw new VecdexError(
        'CONFIG_INVALID',
        `the environment variable ${apiKeyEnv} (embedding.apiKeyEnv) is not set; export it with your API key`,
        { details: { key: 'embedding.apiKeyEnv' } },
      );
    }
  }
  apiKey ??= nonEmpty(env.VECDEX_API_KEY) ?? nonEmpty(env.OPENAI_API_KEY);
  const apiBase = request.apiBase ?? nonEmpty(env.VECDEX_API_BASE) ?? nonEmpty(env.OPENAI_BASE_URL);
  if (name === 'openai' && plugin === BUILTIN_PROVIDERS.get('openai') && apiKey === undefined) {
    if (apiBase === undefined || apiBase.replace(/\/+$/, '') === DEFAULT_OPENAI_API_BASE) {
      throw new VecdexError(
        'CONFIG_INVALID',
        'the openai provider needs an API key for api.openai.com: set OPENAI_API_KEY (or VECDEX_API_KEY), or pass --api-key; for a local server (Ollama, vLLM) pass --api-base',
        { details: { key: 'embedding.apiKeyEnv' } },
      );
    }
  }
  return plugin.create({ ...(options ?? {}), ...settings, apiBase, apiKey });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
