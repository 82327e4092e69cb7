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
  });

  it('never puts a connection string in an error message', () => {
    const { message } = configError({ connectionString: 'mysql://user:hunter2@db/x' });
    expect(message).not.toContain('hunter2');
  });
});
