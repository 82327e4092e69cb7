import type { DoctorCheck } from '../contracts/doctor-check.js';
import type { ResolvedConfig } from '../config/vecdex-config.js';
import { createEmbeddingProvider } from '../providers/create-provider.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { messageOf } from './doctor-format.js';

/**
 * The configured embedding provider (`embedding.provider` in the config; nothing when unset):
 * it can be created from the settings, then its own checks (`EmbeddingProvider.diagnose`, e.g.
 * the built-in `openai` probing its API base). Messages never carry an API key or URL credentials.
 */
export async function checkEmbeddingProvider(
  config: ResolvedConfig,
  plugins: PluginRegistry,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck[]> {
  const name = config.embedding.provider;
  if (name === undefined) return [];
  let provider: Awaited<ReturnType<typeof createEmbeddingProvider>>;
  try {
    provider = await createEmbeddingProvider(plugins, config.embedding, env);
  } catch (err) {
    return [
      { name: 'provider', status: 'fail', message: messageOf(err), remedy: 'fix the embedding section of your vecdex config' },
    ];
  }
  const checks: DoctorCheck[] = [
    { name: 'provider', status: 'ok', message: `embedding provider "${name}" (model ${provider.model}) is configured` },
  ];
  if (typeof provider.diagnose === 'function') {
    try {
      checks.push(...(await provider.diagnose()));
    } catch (err) {
      checks.push({
        name: 'provider.diagnose',
        status: 'fail',
        message: messageOf(err),
        remedy: 'run with VECDEX_DEBUG=1 for details',
      });
    }
  }
  return checks;
}
