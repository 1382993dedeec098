/** Builds the one outcome event of a job, for a fresh result and for a replay's re-announcement. */
import type { JobOutputRow, JobRow } from '../db/schema/index.js';
import type { ProcessedEvent, VariantRecord } from '../schemas/events.js';

export interface JobRef {
  readonly jobId: string;
  readonly requestId: string;
  readonly storeId: string;
  readonly productId: string;
  readonly sourceUrl: string;
  readonly pipelineVersion: string;
}

export function completedEvent(
  job: JobRef,
  operations: readonly string[],
  variants: readonly VariantRecord[],
  replayed = false,
): ProcessedEvent {
  return {
    ...jobRef(job),
    status: 'completed',
    operations: [...operations],
    variants: [...variants],
    error: null,
    replayed,
    finishedAt: Date.now(),
  };
}

export function failedEvent(
  job: JobRef,
  operations: readonly string[],
  error: { readonly code: string; readonly message: string },
  at: { step?: number | undefined; operation?: string | undefined } = {},
  replayed = false,
): ProcessedEvent {
  return {
    ...jobRef(job),
    status: 'failed',
    operations: [...operations],
    variants: [],
    error: {
      code: error.code,
      message: error.message,
      step: at.step ?? null,
      operation: at.operation ?? null,
    },
    replayed,
    finishedAt: Date.now(),
  };
}

/** The re-announcement of a finished job, from what the database recorded. */
export function eventFromRecord(job: JobRow, outputs: readonly JobOutputRow[]): ProcessedEvent {
  const r: JobRef = { ...job, jobId: job.id };
  const operations = job.plan.map((op) => op.type);
  if (job.status === 'completed') {
    return completedEvent(r, operations, outputs.map(variantFromRow), true);
  }
  return failedEvent(
    r,
    operations,
    { code: job.errorCode ?? 'MS_PROCESSING_FAILED', message: job.failedReason ?? '' },
    {},
    true,
  );
}

export function variantFromRow(o: JobOutputRow): VariantRecord {
  return {
    name: o.variant,
    url: o.url,
    key: o.key,
    width: o.width,
    height: o.height,
    bytes: o.bytes,
    format: o.format,
    checksum: o.checksum,
  };
}

/** Just the job's identity fields of anything that carries them (an event, a row). */
export function jobRef(job: JobRef): JobRef {
  return {
    jobId: job.jobId,
    requestId: job.requestId,
    storeId: job.storeId,
    productId: job.productId,
    sourceUrl: job.sourceUrl,
    pipelineVersion: job.pipelineVersion,
  };
}

export function messageKey(job: { storeId: string; productId: string }): string {
  return `${job.storeId}:${job.productId}`;
}
