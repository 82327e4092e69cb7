import type { DoctorCheck } from './doctor-check.js';

/**
 * An embedding provider turns texts into vectors.
 *
 * ```ts
 * const provider = await plugin.create({ model: 'text-embedding-3-small' })
 * const [v] = await provider.embed(['hello'])
 * ```
 */
export interface EmbeddingProvider {
  /** The model name recorded on collections; ingesting with another model is refused. */
  readonly model: string;
  /** Vector length, when known before the first call. */
  readonly dimensions?: number;
  /** Largest batch `embed` accepts; core splits bigger inputs. */
  readonly maxBatchSize?: number;
  /**
   * Optional: the longest text the model takes, in tokens. Core estimates a text's tokens as
   * characters / 4 (see `estimateTokens`) and refuses a longer one before any request: a query
   * text with `INVALID_ARGUMENT`, an ingested item as failed. Without it the provider's own answer
   * decides (an OpenAI-compatible server answers 400, which is not retried).
   */
  readonly maxInputTokens?: number;
  /**
   * Optional: checks for `vecdex doctor` (is the API reachable? no embedding spent, URLs shown
   * without credentials). The built-in `openai` provider probes `GET {apiBase}/models`.
   *
   * ```ts
   * async diagnose() { return [{ name: 'provider.api', status: 'ok', message: 'http://localhost:11434/v1 answers' }] }
   * ```
   */
  diagnose?(): Promise<DoctorCheck[]>;
  /** One vector per text, in order. Throw on failure; core retries and reports. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

export interface ProviderPluginSpec {
  readonly kind: 'provider';
  /** The name users give in config, e.g. `openai`. */
  readonly name: string;
  /**
   * Optional: the keys this provider takes in `embedding.options`. When given, core refuses any
   * other key there with `CONFIG_INVALID`, naming the key and suggesting the closest known one.
   */
  readonly options?: readonly string[];
  create(options: { [key: string]: unknown }): Promise<EmbeddingProvider>;
}
