/**
 * How an operation stage or finalize gives up on a job: the failure is recorded on the job and its step,
 * and one failed `processed` event announces it.
 */
import type { JobRepository } from '../db/job-repository.js';
import type { MediaStudioError } from '../errors.js';
import type { StageEvent } from '../schemas/events.js';
import type { Topology } from '../topology.js';
import { failedEvent, messageKey } from './processed-event.js';
import type { StageOutcome } from './stage-handler.js';

export async function failStep(
  deps: { readonly jobs: JobRepository; readonly topology: Topology },
  event: StageEvent,
  error: MediaStudioError,
  operation: string,
): Promise<StageOutcome> {
  await deps.jobs.failJob(event.jobId, { code: error.code, message: error.message, step: event.step });
  const value = failedEvent(
    event,
    event.plan.map((o) => o.type),
    error,
    { step: event.step, operation },
  );
  return {
    messages: [{ topic: deps.topology.processed, key: messageKey(event), value }],
    finished: 'failed',
  };
}
