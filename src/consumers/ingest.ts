/**
 * Ingest: `product.images.requested` → the first stage. Downloads the source safely, decodes it under
 * the pixel limit (oriented, sRGB, first frame, no metadata), stores it losslessly, creates the job and
 * emits the first step. A request whose job already finished is re-announced instead of redone.
 */

import type { JobRepository } from '../db/job-repository.js';
import { type ErrorCode, errorCatalogue, MediaStudioError } from '../errors.js';
import { type SafeFetchOptions, safeFetch } from '../fetch/safe-fetch.js';
import { decodeImage, encodeLossless } from '../processors/codec.js';
import type { PipelineEnvironment } from '../processors/types.js';
import type { RequestedEvent, StageEvent } from '../schemas/events.js';
import { requestedEventRules } from '../schemas/request.js';
import type { OperationName } from '../schemas/vocabulary.js';
import { objectKeys } from '../storage/keys.js';
import { INTERMEDIATE_CACHE_CONTROL, type ObjectStore } from '../storage/object-store.js';
import type { Topology } from '../topology.js';
import {
  invalidPlanVersion,
  jobIdFor,
  type PlannedOperation,
  pipelineVersion,
  toOperationSpecs,
  validatePlan,
} from './job-plan.js';
import { eventFromRecord, failedEvent, type JobRef, jobRef, messageKey } from './processed-event.js';
import type { StageHandler } from './stage-handler.js';

export interface IngestDeps {
  readonly store: ObjectStore;
  readonly jobs: JobRepository;
  readonly topology: Topology;
  readonly fetch: SafeFetchOptions;
  readonly maxPixels: number;
  /** What of this deployment decides outputs (pinned in each job's pipeline version). */
  readonly environment: PipelineEnvironment;
}

interface Identified extends JobRef {
  readonly plan: PlannedOperation[] | undefined;
  readonly problem: MediaStudioError | undefined;
}

export function createIngest(deps: IngestDeps): StageHandler<RequestedEvent> {
  return {
    role: 'ingest',

    async handle(event) {
      const job = identify(event, deps.environment);
      if (job.problem) throw job.problem;
      const plan = job.plan!;
      const { job: row, created } = await deps.jobs.createJob({
        id: job.jobId,
        requestId: job.requestId,
        storeId: job.storeId,
        productId: job.productId,
        sourceUrl: job.sourceUrl,
        plan: toOperationSpecs(plan),
        output: event.output,
        pipelineVersion: job.pipelineVersion,
      });
      if (!created) {
        if (row.status === 'completed' || (row.status === 'failed' && !isRetriable(row.errorCode))) {
          // Replay of a finished job: announce the recorded result again, redo nothing.
          const details = await deps.jobs.getJobDetails(row.id);
          return {
            messages: [
              {
                topic: deps.topology.processed,
                key: messageKey(row),
                value: eventFromRecord(details!.job, details!.outputs),
              },
            ],
            skipped: true,
          };
        }
        // Already past ingest and in flight: its own events will finish it.
        if (row.status === 'processing') return { messages: [], skipped: true };
        // 'pending' is a redelivery of an ingest that did not commit; 'failed' after passing trouble is retried.
        if (row.status === 'failed') await deps.jobs.resetJob(row.id);
      }

      const fetched = await safeFetch(event.imageUrl, deps.fetch);
      const source = await decodeImage(fetched.bytes, { maxPixels: deps.maxPixels });
      const inputKey = objectKeys.source(job);
      await deps.store.put(inputKey, await encodeLossless(source.image), {
        contentType: 'image/png',
        cacheControl: INTERMEDIATE_CACHE_CONTROL,
      });

      const first = plan[0];
      const next: StageEvent = {
        ...jobRef(job),
        plan: toOperationSpecs(plan),
        step: 0,
        inputKey,
        output: event.output,
        emittedAt: Date.now(),
      };
      const topic = first ? deps.topology.stageTopic(first.type as OperationName) : deps.topology.finalize;
      return { messages: [{ topic, key: messageKey(job), value: next }] };
    },

    async fail(event, error) {
      const job = identify(event, deps.environment);
      const { created } = await deps.jobs.createJob({
        id: job.jobId,
        requestId: job.requestId,
        storeId: job.storeId,
        productId: job.productId,
        sourceUrl: job.sourceUrl,
        plan: event.operations,
        output: event.output,
        pipelineVersion: job.pipelineVersion,
        status: 'failed',
        errorCode: error.code,
        failedReason: error.message,
        finishedOn: new Date(),
      });
      if (!created) await deps.jobs.failJob(job.jobId, { code: error.code, message: error.message });
      return {
        messages: [
          {
            topic: deps.topology.processed,
            key: messageKey(job),
            value: failedEvent(
              job,
              event.operations.map((o) => o.type),
              error,
              { operation: 'ingest' },
            ),
          },
        ],
        finished: 'failed',
      };
    },
  };
}

/** Names the job of a request; a request that breaks the rules still gets a stable identity. */
function identify(event: RequestedEvent, environment: PipelineEnvironment): Identified {
  const base = {
    requestId: event.requestId,
    storeId: event.storeId,
    productId: event.productId,
    sourceUrl: event.imageUrl,
  };
  const fallback = invalidPlanVersion(event.operations, event.output);
  const rules = requestedEventRules.safeParse(event);
  if (!rules.success) {
    const message = rules.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return invalid(base, fallback, new MediaStudioError('MS_INVALID_REQUEST', message));
  }
  try {
    const plan = validatePlan(event.operations);
    const version = pipelineVersion(plan, event.output, environment);
    return {
      ...base,
      jobId: jobIdFor(event.requestId, version),
      pipelineVersion: version,
      plan,
      problem: undefined,
    };
  } catch (err) {
    const e = err instanceof MediaStudioError ? err : new MediaStudioError('MS_INVALID_PARAMS', String(err));
    return invalid(base, fallback, e);
  }
}

function invalid(
  base: Omit<JobRef, 'jobId' | 'pipelineVersion'>,
  version: string,
  problem: MediaStudioError,
): Identified {
  return {
    ...base,
    jobId: jobIdFor(base.requestId, version),
    pipelineVersion: version,
    plan: undefined,
    problem,
  };
}

function isRetriable(code: string | null): boolean {
  return code !== null && code in errorCatalogue && errorCatalogue[code as ErrorCode].retriable;
}
