import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configMarkdown, loadConfig, variables } from '../../src/config.js';

describe('config', () => {
  it('parses defaults into typed values', () => {
    const c = loadConfig({});
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:19092']);
    expect(c.S3_FORCE_PATH_STYLE).toBe(true);
    expect(c.FETCH_TIMEOUT_MS).toBe(30_000);
    expect(c.OPENAI_API_KEY).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        HTTP_PORT: 'eighty',
        S3_BUCKET: 'Not_A_Bucket',
        FETCH_TIMEOUT_MS: '-5',
        LOG_LEVEL: 'loud',
        S3_FORCE_PATH_STYLE: 'maybe',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.code).toBe('MS_CONFIG_INVALID');
    expect(e.problems.map((p) => p.variable).sort()).toEqual([
      'FETCH_TIMEOUT_MS',
      'HTTP_PORT',
      'LOG_LEVEL',
      'S3_BUCKET',
      'S3_FORCE_PATH_STYLE',
    ]);
    for (const v of ['HTTP_PORT', 'S3_BUCKET', 'FETCH_TIMEOUT_MS', 'LOG_LEVEL', 'S3_FORCE_PATH_STYLE'])
      expect(e.message).toContain(v);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ HTTP_PORT: '' }).HTTP_PORT).toBe(8080);
  });

  it('splits lists and rejects an empty broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(() => loadConfig({ KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
  });

  it('documents every variable in the README table, as generated', () => {
    const table = configMarkdown();
    for (const name of Object.keys(variables)) expect(table).toContain(`\`${name}\``);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // Regenerate with: npx media-studio config --markdown
    expect(readme).toContain(table);
  });
});
