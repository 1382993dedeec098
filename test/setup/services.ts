/**
 * Where the integration tests find their services, in order: the environment (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, DATABASE_URL/TEST_DATABASE_URL, S3_*), else the local stack's
 * `.stack/stack.env` (written by `scripts/stack.sh up`), else containers started with testcontainers
 * when a container runtime answers. With CI=true a missing service fails the run; it is never skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Services {
  readonly source: 'env' | 'stack' | 'testcontainers';
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}

const REQUIRED = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'S3_ENDPOINT',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
] as const;

export function servicesFrom(
  env: Record<string, string | undefined>,
  source: Services['source'],
): Services | undefined {
  const db = env.TEST_DATABASE_URL ?? env.DATABASE_URL;
  if (!db || REQUIRED.some((k) => !env[k])) return undefined;
  return {
    source,
    kafkaBrokers: env.KAFKA_BROKERS!,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL!,
    databaseUrl: db,
    s3: {
      endpoint: env.S3_ENDPOINT!,
      region: env.S3_REGION ?? 'us-east-1',
      accessKeyId: env.S3_ACCESS_KEY_ID!,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    },
  };
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export function stackEnvPath(): string {
  return resolve(
    process.env.MEDIA_STUDIO_STACK_DIR ?? resolve(import.meta.dirname, '../../.stack'),
    'stack.env',
  );
}

export function servicesFromStack(): Services | undefined {
  const path = stackEnvPath();
  if (!existsSync(path)) return undefined;
  return servicesFrom(parseEnvFile(readFileSync(path, 'utf8')), 'stack');
}
