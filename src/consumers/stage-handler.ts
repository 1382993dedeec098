/**
 * What a stage module is: it turns one decoded input event into the events to produce next. A stage does
 * its side effects (storage, database) idempotently and returns messages; it never calls Kafka. The runner
 * produces those messages and commits the input offset in one transaction.
 */
import type { MediaStudioError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StageRole } from '../schemas/vocabulary.js';

export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: object;
}

export interface StageOutcome {
  readonly messages: readonly OutgoingMessage[];
  /** How the job moved, for metrics: a stage that finished a job says so. */
  readonly finished?: 'completed' | 'failed';
  /** True when the event was stale (its job already finished) and nothing was done. */
  readonly skipped?: boolean;
}

export interface StageRunContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly log: Logger;
}

export interface StageHandler<E> {
  readonly role: StageRole;
  handle(event: E, context: StageRunContext): Promise<StageOutcome>;
  /** The job cannot succeed (permanent error, or retries exhausted): record it and announce the failure. */
  fail(event: E, error: MediaStudioError, context: StageRunContext): Promise<StageOutcome>;
}
