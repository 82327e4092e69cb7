import type { Command } from 'commander';
import { type PluginRef, loadConfig, loadPlugin } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { CLI_PACKAGE_DIR } from '../open-store.js';
import { formatFields } from '../output/format-table.js';
import { redact, redactText } from '../output/redact.js';

function refName(ref: PluginRef): string {
  return typeof ref === 'string' ? ref : `${ref.name} (plugin object)`;
}

/** `provider model (k: v, ...)`, or the default when the config has no embedding section. */
function embeddingLine(embedding: Record<string, unknown>): string {
  const { provider, model, ...rest } = embedding;
  if (provider === undefined && model === undefined && Object.keys(rest).length === 0)
    return '(none: the offline hashing provider)';
  const extra = Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [provider ?? '(default provider)', model, extra.length > 0 ? `(${extra.join(', ')})` : undefined]
    .filter((x) => x !== undefined)
    .join(' ');
}

/**
 * `vecdex config`: the resolved config, with environment overrides applied and every secret
 * redacted (keys like password/token/apiKey, passwords in URLs). Does not open the store.
 */
export function registerConfig(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('show the resolved config (secrets redacted): file, backend, options, plugins, embedding, data dir')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const config = await loadConfig({ file: ctx.globals.config, cwd: io.cwd, env: io.env });
      // The backend's own environment overrides (VECDEX_SQLITE_PATH, VECDEX_DB_URL, ...).
      let fromEnv: Record<string, unknown> = {};
      let pluginProblem: string | null = null;
      try {
        const plugin = await loadPlugin(config.backend.use, {
          kind: 'backend',
          resolvePaths: [config.baseDir, io.cwd, CLI_PACKAGE_DIR],
          baseDir: config.baseDir,
        });
        fromEnv = (plugin.optionsFromEnv?.(io.env) ?? {}) as Record<string, unknown>;
      } catch (err) {
        pluginProblem = redactText(err instanceof Error ? err.message : String(err));
      }
      const options = redact({ ...config.backend.options, ...fromEnv }) as Record<string, unknown>;
      const envKeys = Object.keys(fromEnv);
      const view = {
        configPath: config.configPath,
        baseDir: config.baseDir,
        backend: { use: refName(config.backend.use), options, fromEnv: envKeys },
        plugins: config.plugins.map(refName),
        embedding: redact({ ...config.embedding }) as Record<string, unknown>,
        dataDir: config.dataDir,
      };
      if (pluginProblem !== null) ctx.out.warn(`could not load the backend plugin: ${pluginProblem}`);
      ctx.out.data(view, () => {
        const optionLines = Object.entries(options).map(
          ([k, v]) =>
            `\n  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}${envKeys.includes(k) ? '  (from environment)' : ''}`,
        );
        return formatFields([
          ['config file', view.configPath ?? '(none found: defaults)'],
          ['backend', view.backend.use],
          ['options', optionLines.length === 0 ? '(none)' : optionLines.join('')],
          ['plugins', view.plugins.length === 0 ? '(none)' : view.plugins.join(', ')],
          ['embedding', embeddingLine(view.embedding)],
          ['data dir', view.dataDir],
          ['base dir', view.baseDir],
        ]);
      });
    });
}
