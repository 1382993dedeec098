import { hostname } from 'node:os';
/**
 * The composition root: `createApp(config)` builds the stream processor — Kafka stages, storage,
 * database, HTTP — and returns `{ start, stop }`. Nothing opens a port, consumer, pool or timer until
 * `start()`; `stop()` is ordered and safe to call twice.
 */
import type { BackgroundSource } from './backgrounds/background-source.js';
import { createBackgroundSource } from './backgrounds/openai-background-source.js';
import type { Config } from './config.js';
import { createFinalize } from './consumers/finalize.js';
import { createIngest } from './consumers/ingest.js';
import { jobIdFor, pipelineVersion, validatePlan } from './consumers/job-plan.js';
import { createOperationStage } from './consumers/operation-stage.js';
import { messageKey } from './consumers/processed-event.js';
import type { StageHandler } from './consumers/stage-handler.js';
import { type RunnerDeps, StageRunner } from './consumers/stage-runner.js';
import { connectDatabase, type DatabaseHandle, migrateDatabase } from './db/client.js';
import { JobRepository } from './db/job-repository.js';
import { MediaStudioError } from './errors.js';
import { parseAllowRules } from './fetch/address-policy.js';
import { createMetrics } from './http/metrics.js';
import { buildHttp } from './http/server.js';
import { createKafka, createProducer, ensureTopics } from './kafka/client.js';
import { EventCodec } from './kafka/event-codec.js';
import { createLogger, type Logger } from './logger.js';
import { createModelProvider } from './models/index.js';
import type { ModelProvider } from './models/model-provider.js';
import type { PipelineEnvironment } from './processors/types.js';
import type { RequestedEvent, StageEvent } from './schemas/events.js';
import { type StageRole, stageRoles } from './schemas/vocabulary.js';
import { type S3Store, s3StoreFromConfig } from './storage/s3-store.js';
import { createTopology } from './topology.js';

export const VERSION = '0.1.0';

export interface AppOptions {
  readonly logger?: Logger;
  /** Stage roles to run; default from WORKER_STAGES (empty = all). */
  readonly stages?: readonly StageRole[];
  /** Serve HTTP (health, metrics, API). Default true. */
  readonly http?: boolean;
  /** Run database migrations before starting. Default false. */
  readonly migrate?: boolean;
  /** Stable identity of this worker for transactional ids; default WORKER_ID. */
  readonly workerId?: string;
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The HTTP address once started (when HTTP is on). */
  readonly address: () => string | undefined;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.logger ?? createLogger(config.LOG_LEVEL);
  const topology = createTopology(config.KAFKA_TOPIC_PREFIX);
  const metrics = createMetrics();
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: log });
  const codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
  const store = s3StoreFromConfig(config);
  const models = createModelProvider(config, (m) => log.info(m));
  // OpenAI backgrounds only with a key; the stage runner does the retrying, so the SDK does none.
  const backgrounds = createBackgroundSource(config);
  const environment: PipelineEnvironment = { backgrounds: backgrounds?.name ?? null };
  const roles = selectRoles(options.stages ?? (config.WORKER_STAGES as StageRole[]));
  let database: DatabaseHandle | undefined;
  let runners: StageRunner<unknown>[] = [];
  let http: ReturnType<typeof buildHttp> | undefined;
  const apiProducer = createProducer(kafka);
  let address: string | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<void> {
    database = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_MAX);
    if (options.migrate) await migrateDatabase(database.db);
    const jobs = new JobRepository(database.db);
    await store.ensureReady();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topology, config.KAFKA_TOPIC_PARTITIONS);
    } finally {
      await admin.disconnect();
    }
    await codec.registerAll();

    const deps: RunnerDeps = {
      kafka,
      codec,
      topology,
      metrics,
      log,
      settings: {
        clientId: config.KAFKA_CLIENT_ID,
        workerId: options.workerId ?? config.WORKER_ID ?? hostname(),
        stageTimeoutMs: config.STAGE_TIMEOUT_MS,
        retryMaxAttempts: config.RETRY_MAX_ATTEMPTS,
        retryInitialMs: config.RETRY_INITIAL_MS,
        retryMaxMs: config.RETRY_MAX_MS,
        shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      },
    };
    const handlers = roles.map((role) =>
      handlerFor(role, { store, jobs, topology, config, models, backgrounds, environment }),
    );
    runners = handlers.map((h) => new StageRunner(topology.stage(h.role), h as StageHandler<unknown>, deps));
    for (const r of runners) await r.start();

    if (options.http !== false) {
      await apiProducer.connect();
      http = buildHttp({
        version: VERSION,
        metrics: metrics.registry,
        checks: [
          { name: 'kafka', check: () => pingKafka() },
          { name: 'schema_registry', check: () => pingRegistry(config.SCHEMA_REGISTRY_URL) },
          { name: 'postgres', check: () => jobs.ping() },
          { name: 's3', check: () => store.ping() },
        ],
        submit: (event) => submit(event),
        jobDetails: (id) => jobs.getJobDetails(id),
      });
      address = await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
      log.info({ address }, 'http listening');
    }
    log.info({ stages: roles }, 'media studio started');
  }

  async function submit(event: RequestedEvent): Promise<{ jobId: string }> {
    // Refuse what can never succeed before it enters the stream.
    const plan = validatePlan(event.operations);
    const jobId = jobIdFor(event.requestId, pipelineVersion(plan, event.output, environment));
    try {
      const value = await codec.encode(topology.requested, event);
      await apiProducer.send({ topic: topology.requested, messages: [{ key: messageKey(event), value }] });
    } catch (err) {
      throw new MediaStudioError(
        'MS_BROKER_UNAVAILABLE',
        `cannot publish the request: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return { jobId };
  }

  async function pingKafka(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      const step = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          log.warn({ err, what }, 'shutdown step failed');
        }
      };
      await step('http', async () => http?.close());
      await Promise.all(runners.map((r) => step('stage', () => r.stop())));
      await step('api producer', () => apiProducer.disconnect());
      await step('database', async () => database?.close());
      await step('s3', async () => store.destroy());
      await step('models', () => models.release());
      log.info('media studio stopped');
    })();
    return stopping;
  }

  return { start, stop, address: () => address };
}

interface HandlerDeps {
  readonly store: S3Store;
  readonly jobs: JobRepository;
  readonly topology: ReturnType<typeof createTopology>;
  readonly config: Config;
  readonly models: ModelProvider;
  readonly backgrounds: BackgroundSource | undefined;
  readonly environment: PipelineEnvironment;
}

function handlerFor(
  role: StageRole,
  { store, jobs, topology, config, models, backgrounds, environment }: HandlerDeps,
): StageHandler<RequestedEvent> | StageHandler<StageEvent> {
  if (role === 'ingest') {
    return createIngest({
      store,
      jobs,
      topology,
      maxPixels: config.IMAGE_MAX_PIXELS,
      environment,
      fetch: {
        timeoutMs: config.FETCH_TIMEOUT_MS,
        maxBytes: config.FETCH_MAX_BYTES,
        maxRedirects: config.FETCH_MAX_REDIRECTS,
        allow: parseAllowRules(config.FETCH_ALLOWED_HOSTS),
      },
    });
  }
  if (role === 'finalize') return createFinalize({ store, jobs, topology });
  return createOperationStage(role, {
    store,
    jobs,
    topology,
    maxSidePx: config.IMAGE_MAX_SIDE_PX,
    models,
    backgrounds,
  });
}

function selectRoles(requested: readonly string[]): StageRole[] {
  if (requested.length === 0) return [...stageRoles];
  const unknown = requested.filter((r) => !(stageRoles as readonly string[]).includes(r));
  if (unknown.length > 0) {
    throw new MediaStudioError(
      'MS_CONFIG_INVALID',
      `WORKER_STAGES: unknown stage ${unknown.join(', ')}; known: ${stageRoles.join(', ')}`,
    );
  }
  return requested as StageRole[];
}

async function pingRegistry(url: string): Promise<void> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/subjects`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`registry answered ${res.status}`);
}
