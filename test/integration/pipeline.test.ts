/**
 * The whole stream through the real stack: request → ingest → one stage per operation → finalize →
 * processed, with S3 objects, Postgres rows and Kafka events checked against each other.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { connectDatabase } from '../../src/db/client.js';
import { JobRepository } from '../../src/db/job-repository.js';
import { createKafka, createProducer } from '../../src/kafka/client.js';
import { EventCodec } from '../../src/kafka/event-codec.js';
import type { DeadLetterEvent, ProcessedEvent, RequestedEvent } from '../../src/schemas/events.js';
import { type S3Store, s3StoreFromConfig } from '../../src/storage/s3-store.js';
import { createTopology } from '../../src/topology.js';
import { datasetFile } from '../helpers/datasets.js';
import { type ImageServer, redirectTo, serveBytes, startImageServer } from '../helpers/image-server.js';
import { type Collector, collectProcessed, collectTopic } from '../helpers/processed-collector.js';
import { services, testConfig } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('pipeline end to end', () => {
  let server: ImageServer;
  let app: App;
  let processed: Collector<ProcessedEvent>;
  let dlq: Collector<{ event: DeadLetterEvent; headers: Record<string, string> }>;
  let config: ReturnType<typeof testConfig>;
  const kafka = createKafka({ brokers: s?.kafkaBrokers.split(',') ?? [], clientId: 'pipeline-test' });
  const producer = createProducer(kafka);
  const db = connectDatabase(s?.databaseUrl ?? 'postgres://unused', 2);
  const jobs = new JobRepository(db.db);
  let codec: EventCodec;
  let store: S3Store;
  let topology: ReturnType<typeof createTopology>;

  beforeAll(async () => {
    server = await startImageServer();
    config = testConfig(s!, {
      FETCH_ALLOWED_HOSTS: `127.0.0.1:${server.port}`,
      IMAGE_MAX_PIXELS: '20000000',
    });
    topology = createTopology(config.KAFKA_TOPIC_PREFIX);
    codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
    store = s3StoreFromConfig(config);

    server.route(
      '/tote.png',
      serveBytes(await readFile(datasetFile('products/images/solidus_canvas_tote.png')), 'image/png'),
    );
    const jpeg = await readFile(datasetFile('products/images/magento_luma-yoga-brick.jpg'));
    server.route('/brick.jpg', serveBytes(jpeg));
    server.route('/truncated.jpg', serveBytes(jpeg.subarray(0, Math.floor(jpeg.length / 3))));
    server.route(
      '/huge.png',
      serveBytes(
        await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#808080' } })
          .png()
          .toBuffer(),
        'image/png',
      ),
    );
    server.route('/to-metadata', redirectTo('http://169.254.169.254/latest/meta-data/iam/'));

    app = createApp(config, { migrate: true, workerId: `e2e-${randomUUID().slice(0, 6)}` });
    await app.start();
    await producer.connect();
    processed = await collectProcessed(kafka, topology.processed, codec);
    dlq = await collectTopic(kafka, topology.dlq, async (value, headers) => ({
      event: await codec.decode<DeadLetterEvent>(topology.dlq, value),
      headers,
    }));
  });

  afterAll(async () => {
    await processed?.stop();
    await dlq?.stop();
    await producer.disconnect();
    await app?.stop();
    await db.close();
    store?.destroy();
    await server?.close();
  });

  function request(
    path: string,
    operations: { type: string; params?: unknown }[],
    extra: Partial<RequestedEvent> = {},
  ): RequestedEvent {
    return {
      requestId: randomUUID(),
      storeId: 'store-e2e',
      productId: `p-${randomUUID().slice(0, 8)}`,
      imageUrl: path.startsWith('http') ? path : `${server.origin}${path}`,
      operations: operations.map((op) => ({ type: op.type, params: JSON.stringify(op.params ?? {}) })),
      output: { format: 'webp', quality: 82, generateSizes: true },
      requestedAt: Date.now(),
      ...extra,
    };
  }

  async function send(event: RequestedEvent): Promise<void> {
    const value = await codec.encode(topology.requested, event);
    await producer.send({
      topic: topology.requested,
      messages: [{ key: `${event.storeId}:${event.productId}`, value }],
    });
  }

  const outcome = (event: RequestedEvent, replayed = false) =>
    processed.waitFor((e) => e.requestId === event.requestId && e.replayed === replayed, 90_000);

  it('runs resize, crop and replace_background, and publishes variants that exist exactly as announced', async () => {
    const event = request('/tote.png', [
      { type: 'resize', params: { width: 1200, height: 1200, mode: 'fit' } },
      { type: 'crop', params: { x: 100, y: 50, width: 900, height: 900 } },
      { type: 'replace_background', params: { color: '#f0f0f0' } },
    ]);
    await send(event);
    const done = await outcome(event);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.operations).toEqual(['resize', 'crop', 'replace_background']);
    expect(done.variants.map((v) => v.name).sort()).toEqual(['large', 'medium', 'original', 'thumbnail']);

    for (const v of done.variants) {
      const head = await store.head(v.key);
      expect(head?.bytes, v.name).toBe(v.bytes);
      expect(head?.contentType).toBe('image/webp');
      const meta = await sharp(await store.get(v.key)).metadata();
      expect([meta.format, meta.width, meta.height], v.name).toEqual(['webp', v.width, v.height]);
      expect(v.url).toBe(store.publicUrl(v.key));
    }
    const original = done.variants.find((v) => v.name === 'original')!;
    expect([original.width, original.height]).toEqual([900, 900]);
    expect(done.variants.find((v) => v.name === 'thumbnail')!.width).toBe(200);
    // 900 px is below the 1600 px "large" box: never enlarged.
    expect(done.variants.find((v) => v.name === 'large')!.width).toBe(900);

    const details = await jobs.getJobDetails(done.jobId);
    expect(details?.job).toMatchObject({
      status: 'completed',
      progress: 100,
      pipelineVersion: done.pipelineVersion,
    });
    expect(details?.job.finishedOn).toBeInstanceOf(Date);
    expect(details?.steps.map((st) => [st.step, st.operation, st.status])).toEqual([
      [0, 'resize', 'completed'],
      [1, 'crop', 'completed'],
      [2, 'replace_background', 'completed'],
      [3, 'finalize', 'completed'],
    ]);
    expect(details?.outputs).toHaveLength(4);
    for (const o of details!.outputs) {
      const v = done.variants.find((x) => x.name === o.variant)!;
      expect([o.width, o.height, o.bytes, o.checksum]).toEqual([v.width, v.height, v.bytes, v.checksum]);
    }
  });

  it('re-announces a replayed request without redoing it, and renders a changed pipeline anew', async () => {
    const event = request('/brick.jpg', [{ type: 'resize', params: { width: 300 } }]);
    await send(event);
    const first = await outcome(event);
    expect(first.status).toBe('completed');
    const before = await jobs.getJobDetails(first.jobId);

    await send({ ...event, requestedAt: Date.now() });
    const replay = await outcome(event, true);
    expect(replay.jobId).toBe(first.jobId);
    expect(replay.variants.map((v) => [v.name, v.checksum]).sort()).toEqual(
      first.variants.map((v) => [v.name, v.checksum]).sort(),
    );
    const after = await jobs.getJobDetails(first.jobId);
    // No step ran again: attempts and finish times are untouched.
    expect(after?.steps.map((st) => [st.attemptsMade, st.finishedOn?.getTime()])).toEqual(
      before?.steps.map((st) => [st.attemptsMade, st.finishedOn?.getTime()]),
    );

    const changed = { ...event, operations: [{ type: 'resize', params: JSON.stringify({ width: 400 }) }] };
    await send(changed);
    const rerendered = await processed.waitFor(
      (e) => e.requestId === event.requestId && e.jobId !== first.jobId,
      90_000,
    );
    expect(rerendered.pipelineVersion).not.toBe(first.pipelineVersion);
    expect(rerendered.variants.find((v) => v.name === 'original')!.width).toBe(400);
    expect((await jobs.getJob(first.jobId))?.status).toBe('completed');
  });

  it.each([
    ['a truncated image', '/truncated.jpg', [], 'MS_DECODE_FAILED'],
    ['an image over the pixel limit', '/huge.png', [], 'MS_PIXEL_LIMIT'],
    ['a loopback URL', 'http://127.0.0.1:1/x.jpg', [], 'MS_URL_BLOCKED'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', [], 'MS_URL_BLOCKED'],
    ['a private address', 'http://10.0.0.1/x.jpg', [], 'MS_URL_BLOCKED'],
    ['a redirect to the metadata address', '/to-metadata', [], 'MS_URL_BLOCKED'],
    ['an invalid param', '/brick.jpg', [{ type: 'resize', params: { width: -3 } }], 'MS_INVALID_PARAMS'],
    ['an unknown operation', '/brick.jpg', [{ type: 'make_it_pop' }], 'MS_UNKNOWN_OPERATION'],
    [
      'a crop outside the image',
      '/brick.jpg',
      [{ type: 'crop', params: { x: 5000, y: 0, width: 10, height: 10 } }],
      'MS_INVALID_PARAMS',
    ],
  ])('fails %s with its own code and keeps serving', async (_what, path, operations, code) => {
    const event = request(path, operations as { type: string; params?: unknown }[]);
    await send(event);
    const failed = await outcome(event);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe(code);
    expect(failed.variants).toEqual([]);
    const job = await jobs.getJob(failed.jobId);
    expect(job).toMatchObject({ status: 'failed', errorCode: code });

    const healthy = request('/brick.jpg', [{ type: 'resize', params: { width: 120 } }]);
    await send(healthy);
    expect((await outcome(healthy)).status).toBe('completed');
  });

  it('sends a garbage message to the DLQ with the error in headers', async () => {
    const garbage = Buffer.from(`garbage ${randomUUID()}`);
    await producer.send({ topic: topology.requested, messages: [{ key: 'junk', value: garbage }] });
    const dead = await dlq.waitFor((d) => d.event.value?.equals(garbage) === true, 60_000);
    expect(dead.event.topic).toBe(topology.requested);
    expect(dead.event.errorCode).toBe('MS_EVENT_UNDECODABLE');
    expect(dead.headers['ms-error-code']).toBe('MS_EVENT_UNDECODABLE');
    expect(dead.headers['ms-source-topic']).toBe(topology.requested);

    const healthy = request('/brick.jpg', []);
    await send(healthy);
    expect((await outcome(healthy)).status).toBe('completed');
  });
});
