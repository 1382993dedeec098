import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import type { Services } from '../setup/services.js';

/** The services found by the global setup; undefined means the file's tests are skipped (never under CI). */
export function services(): Services | undefined {
  return inject('services') ?? undefined;
}

/** A config pointing at the test services, isolated by a unique topic prefix and bucket. */
export function testConfig(s: Services, overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(s, overrides));
}

/** The same as environment variables, for a worker started as a child process. */
export function testEnv(s: Services, overrides: Record<string, string> = {}): Record<string, string> {
  const run = randomUUID().slice(0, 8);
  return {
    LOG_LEVEL: 'error',
    KAFKA_BROKERS: s.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: `t${run}.`,
    KAFKA_TOPIC_PARTITIONS: '2',
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    SCHEMA_REGISTRY_URL: s.schemaRegistryUrl,
    DATABASE_URL: s.databaseUrl,
    S3_ENDPOINT: s.s3.endpoint,
    S3_REGION: s.s3.region,
    S3_ACCESS_KEY_ID: s.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s.s3.secretAccessKey,
    S3_BUCKET: `ms-test-${run}`,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    RETRY_INITIAL_MS: '50',
    RETRY_MAX_MS: '500',
    ...overrides,
  };
}
