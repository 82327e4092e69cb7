import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import { VecdexError } from '../errors/vecdex-error.js';
import { type ProviderRequest, createEmbeddingProvider } from '../providers/create-provider.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';

const HASHING_MODEL = /^hashing-\d+$/;

/** What a query text is embedded for: the collection(s) searched, which share one model and size. */
export interface QueryModel {
  /** For messages: `collection "docs"`, or `collections a, b`. */
  what: string;
  model: string;
  dimensions: number;
}

/**
 * The provider that embeds query texts for a collection's recorded model, from the embedding
 * settings (config `embedding`, then overrides such as CLI flags). The model is the collection's:
 *
 * - settings naming another model (or, for hashing, another size): `MODEL_MISMATCH`, naming both;
 * - settings naming a provider: that provider, asked for the collection's model and dimensions;
 * - no provider named: `hashing` for a `hashing-<d>` model (offline, fully described by its
 *   name), `openai` when an API base is set (settings, `VECDEX_API_BASE` or `OPENAI_BASE_URL`),
 *   else `CONFIG_INVALID` saying what to configure;
 * - a provider that then reports another model or size: `MODEL_MISMATCH` / `DIMENSION_MISMATCH`.
 */
export async function createQueryProvider(
  registry: PluginRegistry,
  settings: ProviderRequest,
  target: QueryModel,
  env: NodeJS.ProcessEnv,
): Promise<EmbeddingProvider> {
  const { model, dimensions, what } = target;
  if (settings.model !== undefined && settings.model !== model) throw mismatch(target, settings.model, 'the configured model');
  const apiBase = settings.apiBase ?? nonEmpty(env.VECDEX_API_BASE) ?? nonEmpty(env.OPENAI_BASE_URL);
  const name = settings.provider ?? (HASHING_MODEL.test(model) ? 'hashing' : apiBase !== undefined ? 'openai' : undefined);
  if (name === undefined) {
    throw new VecdexError(
      'CONFIG_INVALID',
      `${what} holds vectors of model "${model}", and no embedding provider is configured to embed query text with it: set embedding.provider (and apiBase for a local server) in your vecdex config, or pass --provider / --api-base; or query by vector`,
      { details: { key: 'embedding.provider', model } },
    );
  }
  const builtinHashing = name === 'hashing' && !registry.providerNames().includes('hashing');
  if (builtinHashing && !HASHING_MODEL.test(model)) throw mismatch(target, 'hashing-<dimensions>', 'the hashing provider');
  if (settings.dimensions !== undefined && settings.dimensions !== dimensions) {
    // The hashing model's name is its size; any other provider would make vectors of the wrong length.
    if (builtinHashing) throw mismatch(target, `hashing-${settings.dimensions}`, 'the configured hashing provider');
    throw new VecdexError(
      'DIMENSION_MISMATCH',
      `${what} holds ${dimensions}-dimensional vectors, but the embedding settings ask for ${settings.dimensions} (embedding.dimensions); drop it or set it to ${dimensions} to query by text`,
      { details: { expected: dimensions, got: settings.dimensions } },
    );
  }
  const { queryCache: _cache, queryTimeoutMs: _timeout, ...rest } = settings;
  const provider = await createEmbeddingProvider(registry, { ...rest, provider: name, model, dimensions }, env);
  if (provider.model !== model) throw mismatch(target, provider.model, `provider "${name}"`);
  if (provider.dimensions !== undefined && provider.dimensions !== dimensions) {
    throw new VecdexError(
      'DIMENSION_MISMATCH',
      `${what} holds ${dimensions}-dimensional vectors, but provider "${name}" makes ${provider.dimensions} for model "${model}"`,
      { details: { expected: dimensions, got: provider.dimensions } },
    );
  }
  return provider;
}

function mismatch(target: QueryModel, other: string, source: string): VecdexError {
  return new VecdexError(
    'MODEL_MISMATCH',
    `${target.what} holds vectors of model "${target.model}", but ${source} makes "${other}": query text must be embedded with the same model; set embedding.model to "${target.model}" (or --model ${target.model}) with its provider, or query by vector`,
    { details: { model: target.model, requested: other } },
  );
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
