import { describe, expect, it } from 'vitest';
import { isSecretKey, redact, redactText } from '../src/output/redact.js';

describe('redact', () => {
  it('recognises secret option names however they are written', () => {
    for (const key of [
      'password',
      'PGPASSWORD',
      'dbPassword',
      'secret',
      'clientSecret',
      'token',
      'accessToken',
      'key',
      'apiKey',
      'api_key',
      'x-api-key',
      'privateKey',
      'auth',
      'pwd',
      'credentials',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of [
      'path',
      'host',
      'port',
      'user',
      'database',
      'busyTimeoutMs',
      'readonly',
      'author',
      'monkey',
      'apiKeyEnv',
      'PASSWORD_ENV',
    ]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it('hides values under secret keys, at any depth, whatever their type', () => {
    expect(
      redact({
        path: './vecdex.db',
        password: 'hunter2',
        pool: { max: 5, auth: { user: 'u', pass: 'p' } },
        apiKeys: ['a', 'b'],
        token: 12345,
        empty: null,
      }),
    ).toEqual({ path: './vecdex.db', password: '***', pool: { max: 5, auth: '***' }, apiKeys: '***', token: '***', empty: null });
  });

  it('hides passwords inside URLs, keeping user, host and database', () => {
    expect(redact({ url: 'postgres://u:pw@h/db' })).toEqual({ url: 'postgres://u:***@h/db' });
    expect(redactText('connect postgresql://admin:p%40ss:word@db.example.com:5432/prod?sslmode=require failed')).toBe(
      'connect postgresql://admin:***@db.example.com:5432/prod?sslmode=require failed',
    );
    expect(redactText('redis://:onlypass@cache:6379')).toBe('redis://:***@cache:6379');
    expect(redactText('postgres://user@h/db and http://h:8080/x')).toBe('postgres://user@h/db and http://h:8080/x');
  });

  it('hides password=... pairs in connection strings and query strings', () => {
    expect(redactText('host=db user=app password=s3cret dbname=x')).toBe('host=db user=app password=*** dbname=x');
    expect(redactText('https://api.example/v1?token=abc&x=1')).toBe('https://api.example/v1?token=***&x=1');
    expect(redactText("password='two words' port=5432")).toBe('password=*** port=5432');
  });

  it('leaves ordinary values alone', () => {
    const value = { path: '/data/vecdex.db', n: 3, on: true, list: [1, 'two'] };
    expect(redact(value)).toEqual(value);
  });

  it('hides URL passwords holding @, # or / up to the last @, and leaves URLs without credentials alone', () => {
    expect(redactText('at postgres://u:p@ss@db/x now')).toBe('at postgres://u:***@db/x now');
    expect(redactText('postgres://u:p#ss/w@db:5432/x')).toBe('postgres://u:***@db:5432/x');
    expect(redactText('"http://robot:s3cr@t@127.0.0.1:9/v1"')).toBe('"http://robot:***@127.0.0.1:9/v1"');
    expect(redactText('see https://registry.npmjs.org/@vecdex/core')).toBe('see https://registry.npmjs.org/@vecdex/core');
    expect(redactText('http://localhost:11434/v1')).toBe('http://localhost:11434/v1');
  });
});
