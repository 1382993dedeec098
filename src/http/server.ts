/**
 * The HTTP face of the stream processor: health, readiness, metrics and the seed's REST API. Built, not
 * started: `buildHttp` returns a fastify instance that tests drive with `inject`, and the app listens.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { JobDetails } from '../db/job-repository.js';
import { isMediaStudioError } from '../errors.js';
import type { RequestedEvent } from '../schemas/events.js';
import { batchRequestBody, type processImageRequest, processRequestBody } from '../schemas/request.js';
import { type JobView, openApiDocument } from './openapi.js';

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface HttpDeps {
  readonly version: string;
  readonly checks: readonly ReadinessCheck[];
  readonly metrics: Registry;
  /** Validates and publishes one request; returns the job id it will have. */
  readonly submit: (event: RequestedEvent) => Promise<{ jobId: string }>;
  readonly jobDetails: (id: string) => Promise<JobDetails | undefined>;
}

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const openapi = openApiDocument(deps.version);

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const results = await Promise.all(
      deps.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 5_000);
          return [c.name, 'ok'] as const;
        } catch (err) {
          return [c.name, `failed: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, s]) => s === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
  app.get('/openapi.json', async () => openapi);

  app.post('/api/v1/images/process', async (req, reply) => {
    const body = parse(processRequestBody, req.body, reply);
    if (!body) return reply;
    const event = toEvent(body.store_id, body.product_id, body.request_id, body.request);
    const accepted = await submitOrReject(deps, event, reply);
    return accepted ? reply.code(202).send(accepted) : reply;
  });

  app.post('/api/v1/images/batch', async (req, reply) => {
    const body = parse(batchRequestBody, req.body, reply);
    if (!body) return reply;
    const jobs = [];
    for (const image of body.images) {
      const { product_id, request_id, ...request } = image;
      const accepted = await submitOrReject(
        deps,
        toEvent(body.store_id, product_id, request_id, request),
        reply,
      );
      if (!accepted) return reply;
      jobs.push(accepted);
    }
    return reply.code(202).send({ jobs });
  });

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (req, reply) => {
    const details = await deps.jobDetails(req.params.id);
    if (!details)
      return reply.code(404).send({ code: 'MS_NOT_FOUND', message: `job ${req.params.id} not found` });
    return jobView(details);
  });

  app.setErrorHandler((err, _req, reply) => {
    if (isMediaStudioError(err)) {
      return reply.code(err.retriable ? 503 : 400).send({ code: err.code, message: err.message });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply
      .code(status)
      .send({ code: status < 500 ? 'MS_INVALID_REQUEST' : 'MS_INTERNAL', message: (err as Error).message });
  });
  return app;
}

function parse<S extends z.ZodType>(schema: S, body: unknown, reply: FastifyReply): z.output<S> | undefined {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  reply.code(400).send({ code: 'MS_INVALID_REQUEST', message });
  return undefined;
}

async function submitOrReject(deps: HttpDeps, event: RequestedEvent, reply: FastifyReply) {
  try {
    const { jobId } = await deps.submit(event);
    return { job_id: jobId, request_id: event.requestId, status: 'pending' as const };
  } catch (err) {
    if (isMediaStudioError(err) && !err.retriable) {
      reply.code(400).send({ code: err.code, message: err.message });
      return undefined;
    }
    throw err;
  }
}

function toEvent(
  storeId: string,
  productId: string,
  requestId: string | undefined,
  request: z.output<typeof processImageRequest>,
): RequestedEvent {
  return {
    requestId: requestId ?? randomUUID(),
    storeId,
    productId,
    imageUrl: request.image_url,
    operations: request.operations.map((op) => ({ type: op.type, params: JSON.stringify(op.params) })),
    output: {
      format: request.output_format,
      quality: request.output_quality,
      generateSizes: request.generate_sizes,
    },
    requestedAt: Date.now(),
  };
}

function jobView({ job, steps, outputs }: JobDetails): JobView {
  const current = steps.find((s) => s.step === job.currentStep);
  return {
    id: job.id,
    request_id: job.requestId,
    store_id: job.storeId,
    product_id: job.productId,
    status: job.status,
    progress: job.progress,
    current_step: job.currentStep,
    current_operation: current?.operation ?? job.plan[job.currentStep]?.type ?? null,
    pipeline_version: job.pipelineVersion,
    outputs: outputs.map((o) => ({
      name: o.variant,
      url: o.url,
      width: o.width,
      height: o.height,
      size_bytes: o.bytes,
      format: o.format,
      checksum: o.checksum,
    })),
    error: job.errorCode ? { code: job.errorCode, message: job.failedReason ?? '' } : null,
    created_at: job.createdAt.toISOString(),
    processed_on: job.processedOn?.toISOString() ?? null,
    finished_on: job.finishedOn?.toISOString() ?? null,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(t));
}
