/**
 * Each model-backed operation as a stage of the real pipeline: its topic, its consumer group, its
 * artifacts in S3 and its step row, end to end.
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
import type { ProcessedEvent, RequestedEvent } from '../../src/schemas/events.js';
import { type S3Store, s3StoreFromConfig } from '../../src/storage/s3-store.js';
import { createTopology } from '../../src/topology.js';
import { datasetFile } from '../helpers/datasets.js';
import { type ImageServer, serveBytes, startImageServer } from '../helpers/image-server.js';
import { type Collector, collectProcessed } from '../helpers/processed-collector.js';
import { services, testConfig } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('model-backed operations as pipeline stages', () => {
  let server: ImageServer;
  let app: App;
  let processed: Collector<ProcessedEvent>;
  let config: ReturnType<typeof testConfig>;
  let codec: EventCodec;
  let store: S3Store;
  let topology: ReturnType<typeof createTopology>;
  const kafka = createKafka({ brokers: s?.kafkaBrokers.split(',') ?? [], clientId: 'operations-test' });
  const producer = createProducer(kafka);
  const db = connectDatabase(s?.databaseUrl ?? 'postgres://unused', 2);
  const jobs = new JobRepository(db.db);

  beforeAll(async () => {
    server = await startImageServer();
    server.route('/car.jpg', serveBytes(await readFile(datasetFile('products/images/rembg_car-1.jpg'))));
    server.route(
      '/brick.jpg',
      serveBytes(await readFile(datasetFile('products/images/magento_luma-yoga-brick.jpg'))),
    );
    server.route(
      '/marked.jpg',
      serveBytes(await readFile(datasetFile('synthetic-watermarks/watermarked/magento_lt01_center.jpg'))),
    );
    config = testConfig(s!, { FETCH_ALLOWED_HOSTS: `127.0.0.1:${server.port}`, STAGE_TIMEOUT_MS: '600000' });
    topology = createTopology(config.KAFKA_TOPIC_PREFIX);
    codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
    store = s3StoreFromConfig(config);
    app = createApp(config, { http: false, migrate: true, workerId: `ops-${randomUUID().slice(0, 6)}` });
    await app.start();
    await producer.connect();
    processed = await collectProcessed(kafka, topology.processed, codec);
  });

  afterAll(async () => {
    await processed?.stop();
    await producer.disconnect();
    await app?.stop();
    await db.close();
    store?.destroy();
    await server?.close();
  });

  async function run(
    path: string,
    operations: { type: string; params?: unknown }[],
    format: 'png' | 'jpeg' = 'png',
  ) {
    const event: RequestedEvent = {
      requestId: randomUUID(),
      storeId: 'store-ops',
      productId: `p-${randomUUID().slice(0, 8)}`,
      imageUrl: `${server.origin}${path}`,
      operations: operations.map((op) => ({ type: op.type, params: JSON.stringify(op.params ?? {}) })),
      output: { format, quality: 90, generateSizes: false },
      requestedAt: Date.now(),
    };
    const value = await codec.encode(topology.requested, event);
    await producer.send({
      topic: topology.requested,
      messages: [{ key: `${event.storeId}:${event.productId}`, value }],
    });
    const done = await processed.waitFor((e) => e.requestId === event.requestId, 300_000);
    expect(done.error).toBeNull();
    const original = done.variants.find((v) => v.name === 'original')!;
    const bytes = await store.get(original.key);
    const details = await jobs.getJobDetails(done.jobId);
    return { done, bytes, details };
  }

  it('remove_background then generate_background: a cut-out, then a scene behind it', async () => {
    const cut = await run('/car.jpg', [{ type: 'remove_background' }]);
    const { data, info } = await sharp(cut.bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    let transparent = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! < 16) transparent++;
    const share = transparent / (info.width * info.height);
    // The car fills part of the frame: a real cut-out is neither empty nor everything.
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.9);
    expect(cut.details?.steps[0]).toMatchObject({ operation: 'remove_background', status: 'completed' });

    const scene = await run('/car.jpg', [
      { type: 'remove_background' },
      { type: 'generate_background', params: { style: 'studio' } },
    ]);
    const stats = await sharp(scene.bytes).stats();
    expect(stats.isOpaque).toBe(true);
    expect(scene.details?.steps.map((st) => st.operation)).toEqual([
      'remove_background',
      'generate_background',
      'finalize',
    ]);
    expect(scene.details?.steps[1]?.metadata).toMatchObject({ generator: 'offline', style: 'studio' });
  });

  it('remove_watermark finds the mark and records what it found', async () => {
    const { details } = await run('/marked.jpg', [{ type: 'remove_watermark' }], 'jpeg');
    const step = details?.steps[0];
    expect(step).toMatchObject({ operation: 'remove_watermark', status: 'completed' });
    const regions = (step?.metadata as { regions?: unknown[] } | null | undefined)?.regions ?? [];
    expect(regions.length).toBeGreaterThan(0);
  });

  it('enhance upscales ×2 through its stage', async () => {
    const { done, details } = await run(
      '/brick.jpg',
      [{ type: 'enhance', params: { upscale: true, upscale_factor: 2 } }],
      'jpeg',
    );
    const input = await sharp(
      await readFile(datasetFile('products/images/magento_luma-yoga-brick.jpg')),
    ).metadata();
    const original = done.variants.find((v) => v.name === 'original')!;
    expect([original.width, original.height]).toEqual([input.width! * 2, input.height! * 2]);
    expect(details?.steps[0]).toMatchObject({ operation: 'enhance', status: 'completed' });
  });
});
