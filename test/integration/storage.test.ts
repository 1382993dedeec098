import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { objectKeys } from '../../src/storage/keys.js';
import { IMMUTABLE_CACHE_CONTROL } from '../../src/storage/object-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { services } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('S3 store on a real S3 server', () => {
  const bucket = `ms-storage-${randomUUID().slice(0, 8)}`;
  const store = new S3Store({
    bucket,
    region: s!.s3.region,
    endpoint: s!.s3.endpoint,
    accessKeyId: s!.s3.accessKeyId,
    secretAccessKey: s!.s3.secretAccessKey,
    forcePathStyle: true,
  });
  afterAll(() => store.destroy());

  it('creates the bucket, then puts, heads and gets an object, and makes its public URL', async () => {
    await store.ensureReady();
    await store.ensureReady(); // idempotent
    await store.ping();
    const key = objectKeys.output(
      { storeId: 'store-1', productId: 'p-1', jobId: 'job1' },
      'thumbnail',
      'webp',
    );
    const body = Buffer.from(`hello ${randomUUID()}`);
    await store.put(key, body, { contentType: 'image/webp', cacheControl: IMMUTABLE_CACHE_CONTROL });
    expect(await store.head(key)).toEqual({ bytes: body.length, contentType: 'image/webp' });
    expect(await store.head(`${key}.missing`)).toBeUndefined();
    expect((await store.get(key)).equals(body)).toBe(true);
    const url = store.publicUrl(key);
    expect(url).toBe(`${s!.s3.endpoint}/${bucket}/stores/store-1/products/p-1/job1/thumbnail.webp`);
  });

  it('uses the CDN base for public URLs when configured', () => {
    const cdn = new S3Store({
      bucket,
      region: 'us-east-1',
      forcePathStyle: false,
      publicBaseUrl: 'https://cdn.example.com/media/',
    });
    expect(cdn.publicUrl('stores/a/b c.jpg')).toBe('https://cdn.example.com/media/stores/a/b%20c.jpg');
    cdn.destroy();
  });

  it('turns a failure of the server into a retriable storage error', async () => {
    const down = new S3Store({
      bucket,
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
    });
    await expect(down.get('nope')).rejects.toMatchObject({ code: 'MS_STORAGE_UNAVAILABLE', retriable: true });
    down.destroy();
  });
});
