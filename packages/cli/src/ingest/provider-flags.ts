import type { Command } from 'commander';
import { type CollectionInfo, type Metric, type ProviderRequest, mergeEmbeddingSettings } from '@vecdex/core';
import { metric, positiveInteger } from '../parse-args.js';

/** Flags shared by `embed` and `embed-multi`. */
export interface ProviderFlags {
  provider?: string;
  model?: string;
  apiBase?: string;
  apiKey?: string;
  dimensions?: number;
  batchSize?: number;
  concurrency?: number;
  timeout?: number;
  maxAttempts?: number;
  metric?: Metric;
  store?: boolean;
  cache: boolean;
}

/** Declare the provider and pipeline flags on a command. */
export function addProviderFlags(cmd: Command): Command {
  return cmd
    .option(
      '--provider <name>',
      'embedding provider: hashing (offline, lexical; default), openai (any OpenAI-compatible API) or a plugin',
    )
    .option('--model <name>', "model name (default: the config's, else the collection's)")
    .option('--api-base <url>', 'base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1 (Ollama)')
    .option('--api-key <key>', 'API key (better: set OPENAI_API_KEY or VECDEX_API_KEY; flags show up in process lists)')
    .option('-d, --dimensions <n>', 'vector length (hashing: its size; others: checked on every response)', positiveInteger)
    .option('-b, --batch-size <n>', 'texts per request', positiveInteger)
    .option('--concurrency <n>', 'requests in flight at once (default 4)', positiveInteger)
    .option('--timeout <ms>', 'time limit per request in milliseconds (default 60000)', positiveInteger)
    .option('--max-attempts <n>', 'attempts per batch, first included (default 6)', positiveInteger)
    .option('-m, --metric <metric>', 'metric of a collection created by this run (default cosine)', metric)
    .option('--store', "keep the text as the items' content")
    .option('--no-cache', 'do not use the embedding cache');
}

/**
 * Settings from config, then flags. Without a model anywhere, an existing collection's model is
 * used (and its provider guessed: `hashing-<d>` → hashing, anything else → openai).
 */
export function providerRequest(config: ProviderRequest, flags: ProviderFlags, existing: CollectionInfo | null): ProviderRequest {
  const merged = mergeEmbeddingSettings(config, {
    provider: flags.provider,
    model: flags.model,
    apiBase: flags.apiBase,
    apiKey: flags.apiKey,
    dimensions: flags.dimensions,
    batchSize: flags.batchSize,
    concurrency: flags.concurrency,
    timeoutMs: flags.timeout,
    maxAttempts: flags.maxAttempts,
  });
  if (merged.model === undefined && existing?.model != null) {
    merged.model = existing.model;
    merged.provider ??= /^hashing-\d+$/.test(existing.model) ? 'hashing' : 'openai';
  }
  return merged;
}
