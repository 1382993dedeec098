import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase, migrateDatabase } from '../../src/db/client.js';
import { JobRepository } from '../../src/db/job-repository.js';
import { services } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('job repository on real Postgres', () => {
  const handle = connectDatabase(s!.databaseUrl, 2);
  const jobs = new JobRepository(handle.db);
  afterAll(() => handle.close());

  const newJob = (id = randomUUID().replaceAll('-', '')) => ({
    id,
    requestId: `req-${id}`,
    storeId: 'store-1',
    productId: 'product-1',
    sourceUrl: 'https://example.com/a.jpg',
    plan: [
      { type: 'resize', params: '{"width":800}' },
      { type: 'crop', params: '{"x":0,"y":0,"width":10,"height":10}' },
    ],
    output: { format: 'jpeg' as const, quality: 90, generateSizes: true },
    pipelineVersion: 'v1-test',
  });

  it('migrations are idempotent', async () => {
    await migrateDatabase(handle.db);
    await migrateDatabase(handle.db);
  });

  it('round-trips a job with its steps and outputs', async () => {
    const row = newJob();
    const first = await jobs.createJob(row);
    expect(first.created).toBe(true);
    expect(first.job.status).toBe('pending');
    const again = await jobs.createJob(row);
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(row.id);

    await jobs.startStep(
      { jobId: row.id, step: 0, operation: 'resize', params: { width: 800 }, inputKey: 'in.png' },
      2,
    );
    await jobs.completeStep(row.id, 0, { outputKey: 'step0.png', durationMs: 12, metadata: { width: 800 } });
    // A redelivered step lands in the same row and counts the attempt.
    await jobs.startStep(
      { jobId: row.id, step: 0, operation: 'resize', params: { width: 800 }, inputKey: 'in.png' },
      2,
    );
    await jobs.completeStep(row.id, 0, { outputKey: 'step0.png', durationMs: 10, metadata: { width: 800 } });
    await jobs.startStep(
      { jobId: row.id, step: 1, operation: 'crop', params: { x: 0 }, inputKey: 'step0.png' },
      2,
    );
    await jobs.completeStep(row.id, 1, { outputKey: 'step1.png', durationMs: 3, metadata: {} });
    const output = {
      jobId: row.id,
      variant: 'original',
      key: 'k.jpg',
      url: 'http://x/k.jpg',
      width: 800,
      height: 600,
      bytes: 12345,
      format: 'jpeg',
      checksum: 'ab'.repeat(32),
    };
    await jobs.completeJob(row.id, [
      output,
      { ...output, variant: 'thumbnail', width: 200, height: 150, bytes: 999 },
    ]);
    await jobs.completeJob(row.id, [output]);

    const details = await jobs.getJobDetails(row.id);
    expect(details?.job.status).toBe('completed');
    expect(details?.job.progress).toBe(100);
    expect(details?.job.finishedOn).toBeInstanceOf(Date);
    expect(details?.job.processedOn).toBeInstanceOf(Date);
    expect(details?.job.plan).toEqual(row.plan);
    expect(details?.steps.map((st) => [st.step, st.operation, st.status, st.outputKey])).toEqual([
      [0, 'resize', 'completed', 'step0.png'],
      [1, 'crop', 'completed', 'step1.png'],
    ]);
    expect(details?.steps[0]?.attemptsMade).toBe(2);
    expect(details?.steps[0]?.metadata).toEqual({ width: 800 });
    expect(details?.outputs.map((o) => [o.variant, o.width, o.bytes])).toEqual([
      ['original', 800, 12345],
      ['thumbnail', 200, 999],
    ]);
  });

  it('records a failure with its code on the job and the step', async () => {
    const row = newJob();
    await jobs.createJob(row);
    await jobs.startStep({ jobId: row.id, step: 0, operation: 'resize', params: {}, inputKey: 'in.png' }, 2);
    await jobs.failJob(row.id, { code: 'MS_INVALID_PARAMS', message: 'width must be positive', step: 0 });
    const details = await jobs.getJobDetails(row.id);
    expect(details?.job).toMatchObject({
      status: 'failed',
      errorCode: 'MS_INVALID_PARAMS',
      failedReason: 'width must be positive',
    });
    expect(details?.steps[0]).toMatchObject({ status: 'failed', errorCode: 'MS_INVALID_PARAMS' });
  });
});
