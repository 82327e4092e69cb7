import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VecdexError, resolvePackageEntry } from '@vecdex/core';
import type { EmbeddingModel } from 'ai';

/** The AI SDK provider package used when the config names none. */
export const DEFAULT_AI_SDK_PACKAGE = '@ai-sdk/openai-compatible';

/** How a config file (JSON included) names an AI SDK embedding model. */
export interface ModelSource {
  /** The model id, e.g. `text-embedding-3-small` (config `embedding.model`). */
  modelId?: string;
  /** A module (path or package) whose default export, or export named `exportName`, is the model. */
  module?: string;
  exportName?: string;
  /** An AI SDK provider package, e.g. `@ai-sdk/openai` (default `@ai-sdk/openai-compatible`). */
  package?: string;
  /** The package's provider factory, e.g. `createOpenAI` (default: its only `create…` export). */
  factory?: string;
  /** Settings for the factory; `baseURL` and `apiKey` come from `embedding.apiBase` and the API key. */
  providerSettings?: { [key: string]: unknown };
  apiBase?: string;
  apiKey?: string;
  /** Where relative module paths and packages resolve from (default: the working directory). */
  cwd?: string;
}

/**
 * Load the model a config names: `module` (a file or package exporting a ready model), else
 * `package` + `factory` called with `{ name, baseURL, apiKey, ...providerSettings }` and asked
 * for `embeddingModel(modelId)`. Packages resolve from the user's project first, so a provider
 * installed beside the config is found under pnpm's strict layout too.
 */
export async function loadModel(source: ModelSource): Promise<EmbeddingModel> {
  const cwd = source.cwd ?? process.cwd();
  if (source.module !== undefined) {
    const mod = await importFrom(source.module, cwd);
    const key = source.exportName ?? 'default';
    const model = mod[key] ?? (key === 'default' ? (mod.model ?? undefined) : undefined);
    if (model === undefined) {
      throw new VecdexError(
        'CONFIG_INVALID',
        `module "${source.module}" has no export "${key}" (embedding.options.exportName); export the AI SDK embedding model as default or name its export`,
        { details: { key: 'embedding.options.module' } },
      );
    }
    return model as EmbeddingModel;
  }
  const pkg = source.package ?? DEFAULT_AI_SDK_PACKAGE;
  if (source.modelId === undefined) {
    throw new VecdexError('CONFIG_INVALID', `the ai-sdk provider needs embedding.model: the model id to ask ${pkg} for`, {
      details: { key: 'embedding.model' },
    });
  }
  const mod = await importFrom(pkg, cwd);
  const factories = Object.keys(mod).filter((k) => /^create[A-Z]/.test(k) && typeof mod[k] === 'function');
  const factoryName = source.factory ?? (factories.length === 1 ? factories[0] : undefined);
  const factory = factoryName === undefined ? undefined : mod[factoryName];
  if (typeof factory !== 'function') {
    throw new VecdexError(
      'CONFIG_INVALID',
      `${pkg} has ${source.factory !== undefined ? `no function "${source.factory}"` : 'several provider factories'}; set embedding.options.factory to one of: ${factories.join(', ') || '(none found)'}`,
      { details: { key: 'embedding.options.factory' } },
    );
  }
  if (pkg === DEFAULT_AI_SDK_PACKAGE && source.apiBase === undefined && source.providerSettings?.baseURL === undefined) {
    throw new VecdexError(
      'CONFIG_INVALID',
      `${pkg} needs the server's URL: set embedding.apiBase (e.g. http://localhost:11434/v1) or VECDEX_API_BASE`,
      { details: { key: 'embedding.apiBase' } },
    );
  }
  const settings: { [key: string]: unknown } = { name: 'vecdex', ...source.providerSettings };
  if (source.apiBase !== undefined) settings.baseURL = source.apiBase;
  if (source.apiKey !== undefined) settings.apiKey = source.apiKey;
  const provider = (factory as (s: unknown) => Record<string, unknown>)(settings);
  const make = ['embeddingModel', 'textEmbeddingModel', 'textEmbedding']
    .map((m) => provider[m])
    .find((f) => typeof f === 'function');
  if (make === undefined) {
    throw new VecdexError(
      'CONFIG_INVALID',
      `the provider made by ${pkg}.${factoryName} has no embeddingModel(); does it offer embeddings?`,
      {
        details: { key: 'embedding.options.package' },
      },
    );
  }
  return (make as (id: string) => EmbeddingModel).call(provider, source.modelId);
}

async function importFrom(specifier: string, cwd: string): Promise<Record<string, unknown>> {
  const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
  const entry = isPath ? path.resolve(cwd, specifier) : resolvePackageEntry(specifier, [cwd]);
  try {
    return (await import(entry === null ? specifier : pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && entry === null;
    throw new VecdexError(
      missing ? 'PLUGIN_NOT_FOUND' : 'CONFIG_INVALID',
      missing
        ? `the AI SDK package "${specifier}" is not installed; run: npm install ${specifier}`
        : `could not load "${specifier}" for the ai-sdk provider: ${(err as Error).message}`,
      { cause: err, details: { key: 'embedding.options', name: specifier } },
    );
  }
}
