import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { datasetFile } from '../helpers/datasets.js';
import { type ImageServer, serveBytes, startImageServer } from '../helpers/image-server.js';
import { services, testConfig } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('HTTP API on the real stack', () => {
  let server: ImageServer;
  let app: App;
  let base: string;

  beforeAll(async () => {
    server = await startImageServer();
    server.route(
      '/brick.jpg',
      serveBytes(await readFile(datasetFile('products/images/magento_luma-yoga-brick.jpg'))),
    );
    app = createApp(testConfig(s!, { FETCH_ALLOWED_HOSTS: `127.0.0.1:${server.port}` }), {
      migrate: true,
      workerId: `http-${randomUUID().slice(0, 6)}`,
    });
    await app.start();
    base = app.address()!;
  });

  afterAll(async () => {
    await app?.stop();
    await server?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function waitForJob(id: string, status: string) {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await fetch(`${base}/api/v1/jobs/${id}`);
      if (res.status === 200) {
        const job = (await res.json()) as { status: string };
        if (job.status === status) return job as Record<string, unknown>;
      }
      if (Date.now() > deadline) throw new Error(`job ${id} did not reach ${status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('answers health, readiness (checking every service) and metrics', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { kafka: 'ok', schema_registry: 'ok', postgres: 'ok', s3: 'ok' },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('media_studio_stage_duration_seconds');
    expect(metrics).toContain('media_studio_stage_in_flight');
  });

  it('serves the OpenAPI document of its routes', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/images/process', '/api/v1/images/batch', '/api/v1/jobs/{id}']),
    );
  });

  it('accepts a request with 202 and reports the job to completion', async () => {
    const res = await post('/api/v1/images/process', {
      store_id: 'store-http',
      product_id: 'p-1',
      request: {
        image_url: `${server.origin}/brick.jpg`,
        operations: [{ type: 'resize', params: { width: 256, height: 256, mode: 'fill' } }],
        output_format: 'png',
        generate_sizes: false,
      },
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { job_id: string; status: string };
    expect(accepted.status).toBe('pending');
    const job = await waitForJob(accepted.job_id, 'completed');
    expect(job).toMatchObject({ progress: 100, error: null, store_id: 'store-http' });
    expect(job.outputs).toEqual([
      expect.objectContaining({ name: 'original', width: 256, height: 256, format: 'png' }),
    ]);
    expect((job.outputs as { size_bytes: number }[])[0]!.size_bytes).toBeGreaterThan(0);
  });

  it('queues a batch and returns one job per image', async () => {
    const res = await post('/api/v1/images/batch', {
      store_id: 'store-http',
      images: [
        { product_id: 'b-1', image_url: `${server.origin}/brick.jpg`, operations: [], generate_sizes: false },
        {
          product_id: 'b-2',
          image_url: `${server.origin}/brick.jpg`,
          operations: [{ type: 'crop', params: { x: 0, y: 0, width: 50, height: 40 } }],
          generate_sizes: false,
        },
      ],
    });
    expect(res.status).toBe(202);
    const { jobs } = (await res.json()) as { jobs: { job_id: string }[] };
    expect(jobs).toHaveLength(2);
    const second = await waitForJob(jobs[1]!.job_id, 'completed');
    expect(second.outputs).toEqual([expect.objectContaining({ width: 50, height: 40 })]);
  });

  it('rejects invalid requests with 400 and a typed code', async () => {
    const bad = await post('/api/v1/images/process', {
      store_id: 's',
      product_id: 'p',
      request: { image_url: 'ftp://x/y.jpg' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('MS_INVALID_REQUEST');
    const badParams = await post('/api/v1/images/process', {
      store_id: 's',
      product_id: 'p',
      request: {
        image_url: `${server.origin}/brick.jpg`,
        operations: [{ type: 'resize', params: { width: 0 } }],
      },
    });
    expect(badParams.status).toBe(400);
    expect(((await badParams.json()) as { code: string }).code).toBe('MS_INVALID_PARAMS');
    expect((await fetch(`${base}/api/v1/jobs/does-not-exist`)).status).toBe(404);
  });
});
