import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OperationSpec, OutputSpec } from '../../schemas/events.js';
import { jobStatuses } from '../../schemas/vocabulary.js';

export const jobStatus = pgEnum('job_status', jobStatuses);

/** One render of one request at one pipeline version. `id` is derived, so a redelivery finds its own row. */
export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    storeId: text('store_id').notNull(),
    productId: text('product_id').notNull(),
    sourceUrl: text('source_url').notNull(),
    plan: jsonb('plan').$type<OperationSpec[]>().notNull(),
    output: jsonb('output').$type<OutputSpec>().notNull(),
    pipelineVersion: text('pipeline_version').notNull(),
    status: jobStatus('status').notNull().default('pending'),
    currentStep: integer('current_step').notNull().default(0),
    /** 0..100: completed steps over all steps (finalize counts as one). */
    progress: integer('progress').notNull().default(0),
    attemptsMade: integer('attempts_made').notNull().default(0),
    errorCode: text('error_code'),
    failedReason: text('failed_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
    processedOn: timestamp('processed_on', { withTimezone: true }),
    finishedOn: timestamp('finished_on', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    uniqueIndex('jobs_request_version_uq').on(t.requestId, t.pipelineVersion),
    index('jobs_store_product_idx').on(t.storeId, t.productId),
    index('jobs_status_idx').on(t.status),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
