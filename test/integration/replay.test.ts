/**
 * Reprocessing a catalogue: re-submitting recorded requests and moving a stopped group back in time both
 * end in re-announcements of finished jobs, with no work redone.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { resetGroupToTime, resubmitJobs } from '../../src/cli/replay-command.js';
import { connectDatabase } from '../../src/db/client.js';
import { JobRepository } from '../../src/db/job-repository.js';
import { createKafka, createProducer } from '../../src/kafka/client.js';
import { EventCodec } from '../../src/kafka/event-codec.js';
import type { ProcessedEvent, RequestedEvent } from '../../src/schemas/events.js';
import { createTopology } from '../../src/topology.js';
import { datasetFile } from '../helpers/datasets.js';
import { type ImageServer, serveBytes, startImageServer } from '../helpers/image-server.js';
import { type Collector, collectProcessed } from '../helpers/processed-collector.js';
import { services, testConfig } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('replay', () => {
  let server: ImageServer;
  let config: ReturnType<typeof testConfig>;
  let app: App | undefined;
  let processed: Collector<ProcessedEvent>;
  const db = connectDatabase(s?.databaseUrl ?? 'postgres://unused', 2);
  const jobs = new JobRepository(db.db);
  const workerId = `replay-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    server = await startImageServer();
    server.route(
      '/brick.jpg',
      serveBytes(await readFile(datasetFile('products/images/magento_luma-yoga-brick.jpg'))),
    );
    config = testConfig(s!, { FETCH_ALLOWED_HOSTS: `127.0.0.1:${server.port}` });
    app = createApp(config, { http: false, migrate: true, workerId });
    await app.start();
  });

  afterAll(async () => {
    await processed?.stop();
    await app?.stop();
    await db.close();
    await server?.close();
  });

  it('re-announces finished jobs from the jobs table and after a group reset', async () => {
    const topology = createTopology(config.KAFKA_TOPIC_PREFIX);
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'replay-test' });
    const codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
    processed = await collectProcessed(kafka, topology.processed, codec);
    const storeId = `store-${randomUUID().slice(0, 6)}`;
    const before = new Date(Date.now() - 1_000);

    const producer = createProducer(kafka);
    await producer.connect();
    const requests: RequestedEvent[] = [1, 2].map((n) => ({
      requestId: randomUUID(),
      storeId,
      productId: `p-${n}`,
      imageUrl: `${server.origin}/brick.jpg`,
      operations: [{ type: 'resize', params: JSON.stringify({ width: 100 * n }) }],
      output: { format: 'jpeg', quality: 85, generateSizes: false },
      requestedAt: Date.now(),
    }));
    for (const r of requests) {
      await producer.send({
        topic: topology.requested,
        messages: [{ key: `${storeId}:${r.productId}`, value: await codec.encode(topology.requested, r) }],
      });
    }
    await producer.disconnect();
    const firsts = await Promise.all(
      requests.map((r) => processed.waitFor((e) => e.requestId === r.requestId && !e.replayed, 90_000)),
    );
    const finishedOn = await Promise.all(
      firsts.map(async (f) => (await jobs.getJob(f.jobId))?.finishedOn?.getTime()),
    );

    const deps = { kafka, topology, codec, jobs, progress: false };
    expect(await resubmitJobs(deps, { storeId })).toBe(2);
    for (const [i, r] of requests.entries()) {
      const again = await processed.waitFor((e) => e.requestId === r.requestId && e.replayed, 90_000);
      expect(again.jobId).toBe(firsts[i]!.jobId);
      expect(again.variants.map((v) => v.checksum)).toEqual(firsts[i]!.variants.map((v) => v.checksum));
    }

    // Kafka only moves the offsets of a group with no live members: stop the workers first.
    await app!.stop();
    const reset = await resetGroupToTime(deps, 'ingest', before);
    expect(reset).toBe(config.KAFKA_TOPIC_PARTITIONS);
    app = createApp(config, { http: false, workerId });
    await app.start();
    for (const r of requests) {
      await processed.waitFor(
        (e) =>
          e.requestId === r.requestId &&
          e.replayed &&
          processed.events.filter((x) => x.requestId === r.requestId && x.replayed).length >= 2,
        90_000,
      );
    }
    const finishedAfter = await Promise.all(
      firsts.map(async (f) => (await jobs.getJob(f.jobId))?.finishedOn?.getTime()),
    );
    expect(finishedAfter).toEqual(finishedOn);
  });
});
