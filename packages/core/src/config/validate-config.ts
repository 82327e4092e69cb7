import { isPlugin } from '../contracts/plugin.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { PluginRef, VecdexConfig } from './vecdex-config.js';
import { validateEmbeddingConfig } from './validate-embedding-config.js';

const TOP_KEYS = ['backend', 'plugins', 'dataDir', 'embedding'];

/**
 * Check a config's shape. The error names the key, what was expected and the file, e.g.
 * `config key "backend.options" must be an object, got a string (in /app/vecdex.config.json)`.
 */
export function validateConfig(raw: unknown, source: string): VecdexConfig {
  const where = ` (in ${source})`;
  const bad = (key: string, expected: string, got: unknown): never => {
    throw new VecdexError('CONFIG_INVALID', `config key "${key}" must be ${expected}, got ${kind(got)}${where}`, {
      details: { key, expected, source },
    });
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('(root)', 'an object', raw);
  const cfg = raw as Record<string, unknown>;
  for (const key of Object.keys(cfg)) {
    if (!TOP_KEYS.includes(key)) {
      throw new VecdexError('CONFIG_INVALID', `unknown config key "${key}"; known keys: ${TOP_KEYS.join(', ')}${where}`, {
        details: { key, source },
      });
    }
  }
  const isRef = (v: unknown): v is PluginRef => (typeof v === 'string' && v.length > 0) || isPlugin(v);
  const b = cfg.backend;
  if (b !== undefined && !isRef(b)) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) bad('backend', 'a package name or {use, options}', b);
    const bo = b as Record<string, unknown>;
    for (const key of Object.keys(bo)) {
      if (key !== 'use' && key !== 'options') bad(`backend.${key}`, 'absent (backend takes "use" and "options")', bo[key]);
    }
    if (!isRef(bo.use)) bad('backend.use', 'a package name, a path or a plugin', bo.use);
    if (bo.options !== undefined && (typeof bo.options !== 'object' || bo.options === null || Array.isArray(bo.options))) {
      bad('backend.options', 'an object', bo.options);
    }
  }
  if (cfg.plugins !== undefined) {
    if (!Array.isArray(cfg.plugins)) bad('plugins', 'an array of package names', cfg.plugins);
    (cfg.plugins as unknown[]).forEach((p, i) => {
      if (!isRef(p)) bad(`plugins[${i}]`, 'a package name, a path or a plugin', p);
    });
  }
  if (cfg.dataDir !== undefined && (typeof cfg.dataDir !== 'string' || cfg.dataDir === '')) {
    bad('dataDir', 'a non-empty path string', cfg.dataDir);
  }
  if (cfg.embedding !== undefined) validateEmbeddingConfig(cfg.embedding, bad);
  return cfg as VecdexConfig;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  // A string's content is not shown: a misplaced connection URL or API key must not end up in logs.
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}
