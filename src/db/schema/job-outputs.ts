import { sql } from 'drizzle-orm';
import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { jobs } from './jobs.js';

/** A published file of a job (the full-size output and each size variant), keyed by (job, variant). */
export const jobOutputs = pgTable(
  'job_outputs',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    variant: text('variant').notNull(),
    key: text('key').notNull(),
    url: text('url').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    format: text('format').notNull(),
    checksum: text('checksum').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.variant] })],
);

export type JobOutputRow = typeof jobOutputs.$inferSelect;
export type NewJobOutputRow = typeof jobOutputs.$inferInsert;
