import { integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { stepStatuses } from '../../schemas/vocabulary.js';
import { jobs } from './jobs.js';

export const stepStatus = pgEnum('step_status', stepStatuses);

/** One operation of a job; keyed by (job, step) so a redone step overwrites its own row. */
export const jobSteps = pgTable(
  'job_steps',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    step: integer('step').notNull(),
    operation: text('operation').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    status: stepStatus('status').notNull(),
    inputKey: text('input_key').notNull(),
    outputKey: text('output_key'),
    durationMs: integer('duration_ms'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    attemptsMade: integer('attempts_made').notNull().default(1),
    errorCode: text('error_code'),
    failedReason: text('failed_reason'),
    processedOn: timestamp('processed_on', { withTimezone: true }),
    finishedOn: timestamp('finished_on', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.step] })],
);

export type JobStepRow = typeof jobSteps.$inferSelect;
export type NewJobStepRow = typeof jobSteps.$inferInsert;
