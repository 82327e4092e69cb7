import type { Command } from 'commander';
import type { ProviderRequest } from '@vecdex/core';
import { positiveInteger } from '../parse-args.js';

/** Flags that say how a query text is embedded (`similar` and `search`). */
export interface QueryProviderFlags {
  provider?: string;
  model?: string;
  apiBase?: string;
  apiKey?: string;
  timeout?: number;
  maxAttempts?: number;
  /** Commander's `--no-cache`: false when given. */
  cache: boolean;
}

/** Declare the query-embedding flags on a command. */
export function addQueryProviderFlags(cmd: Command): Command {
  return cmd
    .option('--provider <name>', "embedding provider for a query text (default: the config's; hashing for hashing-<d> models)")
    .option('--model <name>', "model for a query text; must be the collection's (default: the collection's)")
    .option('--api-base <url>', 'base URL of an OpenAI-compatible API for a query text, e.g. http://localhost:11434/v1')
    .option('--api-key <key>', 'API key (better: set OPENAI_API_KEY or VECDEX_API_KEY; flags show up in process lists)')
    .option('--timeout <ms>', 'time limit for embedding the query text, retries included (default 30000)', positiveInteger)
    .option('--max-attempts <n>', 'attempts at embedding the query text, first included (default 6)', positiveInteger)
    .option('--no-cache', 'embed the query text without the query cache (neither read nor written)');
}

/** The flags as embedding settings over the config's `embedding` section (undefined values skipped). */
export function queryEmbedding(flags: QueryProviderFlags): ProviderRequest {
  const out: ProviderRequest = {};
  if (flags.provider !== undefined) out.provider = flags.provider;
  if (flags.model !== undefined) out.model = flags.model;
  if (flags.apiBase !== undefined) out.apiBase = flags.apiBase;
  if (flags.apiKey !== undefined) out.apiKey = flags.apiKey;
  if (flags.timeout !== undefined) out.queryTimeoutMs = flags.timeout;
  if (flags.maxAttempts !== undefined) out.maxAttempts = flags.maxAttempts;
  if (flags.cache === false) out.queryCache = false;
  return out;
}
