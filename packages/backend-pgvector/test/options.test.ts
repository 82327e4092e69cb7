import { describe, expect, it } from 'vitest';
import { isVecdexError } from '@vecdex/core';
import plugin, { pgVectorOptionsFromEnv, resolvePgVectorOptions } from '../src/index.js';

function configError(options: unknown): { option?: unknown; message: string } {
  try {
    resolvePgVectorOptions(options);
  } catch (err) {
    expect(isVecdexError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    return { option: (err as { details: { option?: unknown } }).details.option, message: (err as Error).message };
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

describe('pgvector options', () => {
  it('applies defaults', () => {
    const o = resolvePgVectorOptions(undefined);
    expect(o).toMatchObject({
      connectionString: null,
      schema: 'vecdex',
      maxConnections: 10,
      statementTimeoutMs: 0,
      insertPath: 'copy',
      applicationName: 'vecdex',
    });
    expect(typeof o.clock).toBe('function');
  });

  it('reads VECDEX_DB_URL and VECDEX_PG_SCHEMA from the environment, ignoring blanks', () => {
    expect(pgVectorOptionsFromEnv({ VECDEX_DB_URL: ' postgres://u@h:1/d ', VECDEX_PG_SCHEMA: 'mine' })).toEqual({
      connectionString: 'postgres://u@h:1/d',
      schema: 'mine',
    });
    expect(pgVectorOptionsFromEnv({ VECDEX_DB_URL: '  ', PGHOST: 'elsewhere' })).toEqual({});
    expect(plugin.optionsFromEnv).toBe(pgVectorOptionsFromEnv);
    expect(plugin.name).toBe('pgvector');
  });

  it('refuses bad options with CONFIG_INVALID naming the option', () => {
    expect(configError('postgres://x').option).toBe('options');
    expect(configError({ connectionString: 42 }).option).toBe('connectionString');
    expect(configError({ connectionString: 'mysql://x' }).option).toBe('connectionString');
    expect(configError({ schema: 'has space' }).option).toBe('schema');
    expect(configError({ schema: 'x"; DROP SCHEMA public; --' }).option).toBe('schema');
    expect(configError({ schema: '1abc' }).option).toBe('schema');
    expect(configError({ maxConnections: 0 }).option).toBe('maxConnections');
    expect(configError({ connectionTimeoutMs: 1.5 }).option).toBe('connectionTimeoutMs');
    expect(configError({ statementTimeoutMs: -1 }).option).toBe('statementTimeoutMs');
    expect(configError({ insertPath: 'rows' }).option).toBe('insertPath');
    expect(configError({ clock: 5 }).option).toBe('clock');
    expect(configError({ applicationName: '' }).option).toBe('applicationName');
    expect(configError({ applicationName: 'x\n' }).option).toBe('applicationName');
    expect(configError({ replicas: 'postgres://r' }).option).toBe('replicas');
    expect(configError({ replicas: ['postgres://r', 'mysql://u:hunter2@r'] }).option).toBe('replicas[1]');
    expect(configError({ replicas: ['postgres://r', 'mysql://u:hunter2@r'] }).message).not.toContain('hunter2');
    expect(configError({ replicaMaxLagMs: -1 }).option).toBe('replicaMaxLagMs');
    expect(configError({ replicaRetryMs: 0.5 }).option).toBe('replicaRetryMs');
  });

  it('reads VECDEX_DB_REPLICAS as comma-separated URLs, and defaults to no replicas', () => {
    expect(pgVectorOptionsFromEnv({ VECDEX_DB_REPLICAS: ' postgres://a/d , postgres://b/d,' })).toEqual({
      replicas: ['postgres://a/d', 'postgres://b/d'],
    });
    expect(resolvePgVectorOptions({})).toMatchObject({ replicas: [], replicaMaxLagMs: 10_000, replicaRetryMs: 5_000 });
    expect(plugin.options).toContain('replicas');
  });

  it('pooler: auto by default, VECDEX_PG_POOLER from the environment, anything else refused', () => {
    expect(resolvePgVectorOptions({}).pooler).toBe('auto');
    expect(pgVectorOptionsFromEnv({ VECDEX_PG_POOLER: ' transaction ' })).toEqual({ pooler: 'transaction' });
    expect(configError({ pooler: 'session' }).option).toBe('pooler');
    expect(plugin.options).toContain('pooler');
  });

  it('never puts a connection string in an error message', () => {
    const { message } = configError({ connectionString: 'mysql://user:hunter2@db/x' });
    expect(message).not.toContain('hunter2');
  });
});
