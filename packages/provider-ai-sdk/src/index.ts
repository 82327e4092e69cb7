/**
 * @vecdex/provider-ai-sdk: any Vercel AI SDK embedding model as a vecdex embedding provider,
 * with vecdex's batching, retries, timeouts and embedding cache around `embedMany`.
 *
 * ```ts
 * // vecdex.config.ts: a model object made in code
 * import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
 * import { defineConfig } from '@vecdex/core'
 * import { aiSdkProvider } from '@vecdex/provider-ai-sdk'
 * const local = createOpenAICompatible({ name: 'local', baseURL: 'http://localhost:11434/v1' })
 * export default defineConfig({
 *   plugins: [aiSdkProvider({ model: local.embeddingModel('nomic-embed-text') })],
 *   embedding: { provider: 'ai-sdk' },
 * })
 * ```
 */
import { type EmbeddingProvider, type ProviderPluginSpec, type VecdexPlugin, definePlugin } from '@vecdex/core';
import type { EmbeddingModel } from 'ai';
import { type AiSdkProviderOptions, createAiSdkProvider } from './ai-sdk-provider.js';
import { loadModel } from './load-model.js';

export { type AiSdkProviderOptions, createAiSdkProvider, DEFAULT_AI_SDK_BATCH_SIZE } from './ai-sdk-provider.js';
export { aiSdkFailure } from './ai-sdk-failure.js';
export { DEFAULT_AI_SDK_PACKAGE, loadModel, type ModelSource } from './load-model.js';

/** The provider name configs use: `embedding: { provider: 'ai-sdk' }`. */
export const AI_SDK_PROVIDER_NAME = 'ai-sdk';

/** The keys `embedding.options` takes (anything else is refused, with the closest key suggested). */
export const AI_SDK_OPTIONS: readonly string[] = Object.freeze([
  'module',
  'exportName',
  'package',
  'factory',
  'providerSettings',
  'providerOptions',
  'headers',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = <T>(v: unknown): T | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : undefined);

function providerOptionsOf(options: { [key: string]: unknown }, name: string | undefined): AiSdkProviderOptions {
  return {
    ...(name !== undefined ? { name } : {}),
    ...(int(options.dimensions) !== undefined ? { dimensions: int(options.dimensions) } : {}),
    ...(int(options.batchSize) !== undefined ? { batchSize: int(options.batchSize) } : {}),
    ...(int(options.maxInputTokens) !== undefined ? { maxInputTokens: int(options.maxInputTokens) } : {}),
    ...(obj(options.providerOptions) !== undefined ? { providerOptions: obj(options.providerOptions) } : {}),
    ...(obj(options.headers) !== undefined ? { headers: obj(options.headers) } : {}),
  };
}

/**
 * The plugin for config files that name their model in data (JSON included):
 *
 * ```json
 * { "plugins": ["@vecdex/provider-ai-sdk"],
 *   "embedding": { "provider": "ai-sdk", "model": "nomic-embed-text", "apiBase": "http://localhost:11434/v1",
 *                  "options": { "package": "@ai-sdk/openai-compatible" } } }
 * ```
 *
 * or `"options": { "module": "./embedding-model.js" }` for a module whose default export is the
 * model (relative to the working directory). `embedding.model` is the model id and the name
 * recorded on collections.
 */
const plugin: VecdexPlugin<ProviderPluginSpec> = definePlugin({
  kind: 'provider',
  name: AI_SDK_PROVIDER_NAME,
  options: AI_SDK_OPTIONS,
  async create(options): Promise<EmbeddingProvider> {
    const modelId = str(options.model);
    const model = await loadModel({
      ...(modelId !== undefined ? { modelId } : {}),
      ...(str(options.module) !== undefined ? { module: str(options.module) } : {}),
      ...(str(options.exportName) !== undefined ? { exportName: str(options.exportName) } : {}),
      ...(str(options.package) !== undefined ? { package: str(options.package) } : {}),
      ...(str(options.factory) !== undefined ? { factory: str(options.factory) } : {}),
      ...(obj(options.providerSettings) !== undefined ? { providerSettings: obj(options.providerSettings) } : {}),
      ...(str(options.apiBase) !== undefined ? { apiBase: str(options.apiBase) } : {}),
      ...(str(options.apiKey) !== undefined ? { apiKey: str(options.apiKey) } : {}),
    });
    return createAiSdkProvider(model, providerOptionsOf(options, modelId));
  },
});
export default plugin;

export interface AiSdkPluginOptions extends AiSdkProviderOptions {
  /** The AI SDK embedding model, e.g. `openai.embeddingModel('text-embedding-3-small')`. */
  model: EmbeddingModel;
  /** The provider's name in `embedding.provider` (default `ai-sdk`). */
  pluginName?: string;
}

/**
 * A provider plugin around a model object made in code, for `plugins: [...]` in a JS/TS config
 * or `openVecdex({ config })`. Settings from `embedding` (`model` as the recorded name,
 * `dimensions`, `batchSize`, `maxInputTokens`) override the ones given here.
 *
 * ```ts
 * plugins: [aiSdkProvider({ model: openai.embeddingModel('text-embedding-3-small'), dimensions: 1536 })]
 * ```
 */
export function aiSdkProvider(options: AiSdkPluginOptions): VecdexPlugin<ProviderPluginSpec> {
  const { model, pluginName, ...defaults } = options;
  return definePlugin({
    kind: 'provider',
    name: pluginName ?? AI_SDK_PROVIDER_NAME,
    options: ['providerOptions', 'headers'],
    async create(settings): Promise<EmbeddingProvider> {
      const fromSettings = providerOptionsOf(settings, str(settings.model));
      return createAiSdkProvider(model, { ...defaults, ...fromSettings });
    },
  });
}
