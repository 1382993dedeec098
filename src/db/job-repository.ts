/**
 * Every read and write of job state. Writes are upserts keyed by (job id, step) or (job id, variant),
 * so a redelivered message that redoes a step lands in the same rows.
 */
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { MediaStudioError } from '../errors.js';
import type { JobStatus } from '../schemas/vocabulary.js';
import type { Database } from './client.js';
import {
  type JobOutputRow,
  type JobRow,
  type JobStepRow,
  jobOutputs,
  jobSteps,
  jobs,
  type NewJobOutputRow,
  type NewJobRow,
} from './schema/index.js';

export interface JobDetails {
  readonly job: JobRow;
  readonly steps: JobStepRow[];
  readonly outputs: JobOutputRow[];
}

export interface StepStart {
  readonly jobId: string;
  readonly step: number;
  readonly operation: string;
  readonly params: Record<string, unknown>;
  readonly inputKey: string;
}

export interface StepDone {
  readonly outputKey: string;
  readonly durationMs: number;
  readonly metadata: Record<string, unknown>;
}

export interface JobFailure {
  readonly code: string;
  readonly message: string;
  readonly step?: number | undefined;
}

export class JobRepository {
  constructor(private readonly db: Database) {}

  /** Creates the job unless it exists; returns the row either way and whether it was new. */
  async createJob(row: NewJobRow): Promise<{ job: JobRow; created: boolean }> {
    return this.guard(async () => {
      const inserted = await this.db
        .insert(jobs)
        .values(row)
        .onConflictDoNothing({ target: jobs.id })
        .returning();
      if (inserted[0]) return { job: inserted[0], created: true };
      const existing = await this.db.select().from(jobs).where(eq(jobs.id, row.id));
      return { job: existing[0]!, created: false };
    });
  }

  /** Puts a failed job back to pending for another run (a replay after a passing failure). */
  async resetJob(id: string): Promise<void> {
    await this.guard(() =>
      this.db
        .update(jobs)
        .set({
          status: 'pending',
          currentStep: 0,
          progress: 0,
          errorCode: null,
          failedReason: null,
          finishedOn: null,
          updatedAt: sql`now()`,
        })
        .where(eq(jobs.id, id)),
    );
  }

  async getJob(id: string): Promise<JobRow | undefined> {
    return this.guard(async () => (await this.db.select().from(jobs).where(eq(jobs.id, id)))[0]);
  }

  async getJobDetails(id: string): Promise<JobDetails | undefined> {
    return this.guard(async () => {
      const job = (await this.db.select().from(jobs).where(eq(jobs.id, id)))[0];
      if (!job) return undefined;
      const [steps, outputs] = await Promise.all([
        this.db.select().from(jobSteps).where(eq(jobSteps.jobId, id)).orderBy(asc(jobSteps.step)),
        this.db.select().from(jobOutputs).where(eq(jobOutputs.jobId, id)).orderBy(asc(jobOutputs.variant)),
      ]);
      return { job, steps, outputs };
    });
  }

  async startStep(s: StepStart, totalSteps: number): Promise<void> {
    await this.guard(() =>
      this.db.transaction(async (tx) => {
        await tx
          .insert(jobSteps)
          .values({ ...s, status: 'processing', processedOn: sql`now()` })
          .onConflictDoUpdate({
            target: [jobSteps.jobId, jobSteps.step],
            set: {
              status: 'processing',
              inputKey: s.inputKey,
              attemptsMade: sql`${jobSteps.attemptsMade} + 1`,
              processedOn: sql`now()`,
              errorCode: null,
              failedReason: null,
            },
          });
        await tx
          .update(jobs)
          .set({
            status: 'processing',
            currentStep: s.step,
            progress: Math.floor((100 * s.step) / (totalSteps + 1)),
            processedOn: sql`coalesce(${jobs.processedOn}, now())`,
            updatedAt: sql`now()`,
          })
          .where(and(eq(jobs.id, s.jobId), inArray(jobs.status, ['pending', 'processing'])));
      }),
    );
  }

  async completeStep(jobId: string, step: number, done: StepDone): Promise<void> {
    await this.guard(() =>
      this.db
        .update(jobSteps)
        .set({ status: 'completed', ...done, finishedOn: sql`now()` })
        .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.step, step))),
    );
  }

  /** Records the published files and marks the job completed, in one database transaction. */
  async completeJob(jobId: string, outputs: readonly NewJobOutputRow[]): Promise<void> {
    await this.guard(() =>
      this.db.transaction(async (tx) => {
        for (const o of outputs) {
          await tx
            .insert(jobOutputs)
            .values(o)
            .onConflictDoUpdate({
              target: [jobOutputs.jobId, jobOutputs.variant],
              set: {
                key: o.key,
                url: o.url,
                width: o.width,
                height: o.height,
                bytes: o.bytes,
                format: o.format,
                checksum: o.checksum,
              },
            });
        }
        await tx
          .update(jobs)
          .set({
            status: 'completed',
            progress: 100,
            finishedOn: sql`coalesce(${jobs.finishedOn}, now())`,
            updatedAt: sql`now()`,
          })
          .where(eq(jobs.id, jobId));
      }),
    );
  }

  async failJob(jobId: string, failure: JobFailure): Promise<void> {
    await this.guard(() =>
      this.db.transaction(async (tx) => {
        if (failure.step !== undefined) {
          await tx
            .update(jobSteps)
            .set({
              status: 'failed',
              errorCode: failure.code,
              failedReason: failure.message,
              finishedOn: sql`now()`,
            })
            .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.step, failure.step)));
        }
        await tx
          .update(jobs)
          .set({
            status: 'failed',
            errorCode: failure.code,
            failedReason: failure.message,
            finishedOn: sql`now()`,
            updatedAt: sql`now()`,
          })
          .where(eq(jobs.id, jobId));
      }),
    );
  }

  async countAttempt(jobId: string): Promise<void> {
    await this.guard(() =>
      this.db
        .update(jobs)
        .set({ attemptsMade: sql`${jobs.attemptsMade} + 1` })
        .where(eq(jobs.id, jobId)),
    );
  }

  /** Jobs for `media-studio replay --from-jobs`, oldest first. */
  async listJobs(filter: {
    since?: Date;
    status?: JobStatus;
    storeId?: string;
    limit?: number;
  }): Promise<JobRow[]> {
    return this.guard(() => {
      const where = and(
        filter.since ? gte(jobs.createdAt, filter.since) : undefined,
        filter.status ? eq(jobs.status, filter.status) : undefined,
        filter.storeId ? eq(jobs.storeId, filter.storeId) : undefined,
      );
      return this.db
        .select()
        .from(jobs)
        .where(where)
        .orderBy(asc(jobs.createdAt))
        .limit(filter.limit ?? 1_000_000);
    });
  }

  async latestJobForRequest(requestId: string): Promise<JobRow | undefined> {
    return this.guard(
      async () =>
        (
          await this.db
            .select()
            .from(jobs)
            .where(eq(jobs.requestId, requestId))
            .orderBy(desc(jobs.createdAt))
            .limit(1)
        )[0],
    );
  }

  async ping(): Promise<void> {
    await this.guard(() => this.db.execute(sql`select 1`));
  }

  /** Database failures are transient for the job: the runner retries them. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MediaStudioError) throw err;
      throw new MediaStudioError('MS_DATABASE_UNAVAILABLE', `database: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
