/**
 * A worker process killed (SIGKILL) in the middle of a stage, then restarted with the same worker id:
 * the job still ends in exactly one processed event, with no duplicate outputs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, migrateDatabase } from '../../src/db/client.js';
import { JobRepository } from '../../src/db/job-repository.js';
import { createKafka, createProducer, ensureTopics } from '../../src/kafka/client.js';
import { EventCodec } from '../../src/kafka/event-codec.js';
import type { ProcessedEvent, RequestedEvent } from '../../src/schemas/events.js';
import { createTopology } from '../../src/topology.js';
import { type ImageServer, serveBytes, startImageServer } from '../helpers/image-server.js';
import { type Collector, collectProcessed } from '../helpers/processed-collector.js';
import { services, testEnv } from '../helpers/services.js';

const s = services();
const bin = resolve(import.meta.dirname, '../../bin/media-studio.js');

describe.skipIf(!s)('a worker killed mid-stage', () => {
  let server: ImageServer;
  let env: Record<string, string>;
  let processed: Collector<ProcessedEvent>;
  const children: ChildProcess[] = [];
  const db = connectDatabase(s?.databaseUrl ?? 'postgres://unused', 2);
  const jobs = new JobRepository(db.db);

  beforeAll(async () => {
    server = await startImageServer();
    // Big enough that each stage takes a while on two cores, so the kill lands inside one.
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#3366aa' } })
      .composite([
        {
          input: await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#ffcc00' } })
            .png()
            .toBuffer(),
          top: 800,
          left: 1200,
        },
      ])
      .jpeg({ quality: 95 })
      .toBuffer();
    server.route('/big.jpg', serveBytes(big));
    env = testEnv(s!, { FETCH_ALLOWED_HOSTS: `127.0.0.1:${server.port}`, KAFKA_TOPIC_PARTITIONS: '1' });
    await migrateDatabase(db.db);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await processed?.stop();
    await db.close();
    await server?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [bin, 'worker', '--no-http', '--worker-id', 'crash-test'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it('yields exactly one processed event and no duplicate outputs', async () => {
    const config = loadConfig(env);
    const topology = createTopology(config.KAFKA_TOPIC_PREFIX);
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'crash-test' });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topology, 1);
    await admin.disconnect();
    const codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
    processed = await collectProcessed(kafka, topology.processed, codec);

    const first = startWorker();
    const event: RequestedEvent = {
      requestId: randomUUID(),
      storeId: 'store-crash',
      productId: 'p-1',
      imageUrl: `${server.origin}/big.jpg`,
      operations: [
        { type: 'resize', params: JSON.stringify({ width: 3600, height: 2700, mode: 'stretch' }) },
        { type: 'replace_background', params: JSON.stringify({ color: '#ffffff' }) },
        { type: 'resize', params: JSON.stringify({ width: 3000, mode: 'fit' }) },
      ],
      output: { format: 'jpeg', quality: 90, generateSizes: true },
      requestedAt: Date.now(),
    };
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: topology.requested,
      messages: [{ key: 'store-crash:p-1', value: await codec.encode(topology.requested, event) }],
    });
    await producer.disconnect();

    // Wait until a stage is under way, then kill the worker without warning.
    const deadline = Date.now() + 120_000;
    let jobId: string | undefined;
    for (;;) {
      const job = await jobs.latestJobForRequest(event.requestId);
      if (job && job.status === 'processing' && job.currentStep >= 1) {
        jobId = job.id;
        break;
      }
      if (Date.now() > deadline) throw new Error('the job never reached step 1');
      await new Promise((r) => setTimeout(r, 15));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect((await jobs.getJob(jobId))?.status).toBe('processing');

    startWorker();
    const done = await processed.waitFor((e) => e.requestId === event.requestId, 150_000);
    expect(done.status).toBe('completed');
    // Give any duplicate time to show up before counting.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(processed.events.filter((e) => e.requestId === event.requestId)).toHaveLength(1);
    const details = await jobs.getJobDetails(jobId);
    expect(details?.job.status).toBe('completed');
    expect(details?.outputs.map((o) => o.variant).sort()).toEqual([
      'large',
      'medium',
      'original',
      'thumbnail',
    ]);
    expect(details?.outputs.map((o) => o.checksum).sort()).toEqual(
      done.variants.map((v) => v.checksum).sort(),
    );
  });
});
