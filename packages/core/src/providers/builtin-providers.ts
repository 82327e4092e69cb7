import type { ProviderPluginSpec } from '../contracts/embedding-provider.js';
import { definePlugin, type VecdexPlugin } from '../contracts/plugin.js';
import { createHashingProvider } from './hashing-provider.js';
import { createOpenAIProvider } from './openai-provider.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `hashing`: the offline lexical embedder (options: `model` = `hashing-<d>`, `dimensions`). */
export const hashingPlugin: VecdexPlugin<ProviderPluginSpec> = definePlugin({
  kind: 'provider',
  name: 'hashing',
  async create(options) {
    return createHashingProvider({ model: str(options.model), dimensions: int(options.dimensions) });
  },
});

/** `openai`: any OpenAI-compatible embeddings API (options: `apiBase`, `apiKey`, `model`, `dimensions`, `batchSize`, `maxInputTokens`). */
export const openaiPlugin: VecdexPlugin<ProviderPluginSpec> = definePlugin({
  kind: 'provider',
  name: 'openai',
  async create(options) {
    return createOpenAIProvider({
      apiBase: str(options.apiBase),
      apiKey: str(options.apiKey),
      model: str(options.model),
      dimensions: int(options.dimensions),
      maxBatchSize: int(options.batchSize),
      maxInputTokens: int(options.maxInputTokens),
    });
  },
});

/** Providers available without any config. A plugin of the same name loaded from config wins. */
export const BUILTIN_PROVIDERS: ReadonlyMap<string, VecdexPlugin<ProviderPluginSpec>> = new Map([
  ['hashing', hashingPlugin],
  ['openai', openaiPlugin],
]);

/** The provider used when neither config nor flags name one: offline, no download. */
export const DEFAULT_PROVIDER = 'hashing';
