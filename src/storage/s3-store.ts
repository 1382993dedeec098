import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { MediaStudioError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly forcePathStyle: boolean;
  /** Public base of outputs (a CDN); else endpoint + bucket. */
  readonly publicBaseUrl?: string | undefined;
}

/** The store the service uses, from its configuration. */
export function s3StoreFromConfig(config: Config): S3Store {
  return new S3Store({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    publicBaseUrl: config.CDN_BASE_URL,
  });
}

/** Any S3: AWS, versitygw, MinIO, R2… Failures of the store are transient for the job. */
export class S3Store implements ObjectStore {
  private readonly client: S3Client;
  private readonly base: string;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      maxAttempts: 3,
    });
    this.base = publicBase(options);
  }

  async ensureReady(): Promise<void> {
    await this.call('head bucket', async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
      } catch (err) {
        if (!isStatus(err, 404) && !isStatus(err, 403) && (err as Error).name !== 'NotFound') throw err;
        await this.client
          .send(new CreateBucketCommand({ Bucket: this.options.bucket }))
          .catch((e: unknown) => {
            // Another worker created it between our HEAD and CREATE.
            if ((e as Error).name !== 'BucketAlreadyOwnedByYou') throw e;
          });
      }
    });
  }

  async ping(): Promise<void> {
    await this.call('head bucket', () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket })),
    );
  }

  async put(key: string, body: Buffer, { contentType, cacheControl }: PutOptions): Promise<void> {
    await this.call(`put ${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.length,
          ...(cacheControl ? { CacheControl: cacheControl } : {}),
        }),
      ),
    );
  }

  async get(key: string): Promise<Buffer> {
    return this.call(`get ${key}`, async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!res.Body) throw new Error('empty body');
      return Buffer.from(await res.Body.transformToByteArray());
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.call(`head ${key}`, async () => {
      try {
        const res = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
        return { bytes: res.ContentLength ?? 0, contentType: res.ContentType };
      } catch (err) {
        if (isStatus(err, 404) || (err as Error).name === 'NotFound') return undefined;
        throw err;
      }
    });
  }

  publicUrl(key: string): string {
    return `${this.base}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  destroy(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new MediaStudioError(
        'MS_STORAGE_UNAVAILABLE',
        `s3 ${what}: ${(err as Error).name}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === status;
}

function publicBase(o: S3StoreOptions): string {
  if (o.publicBaseUrl) return o.publicBaseUrl.replace(/\/+$/, '');
  if (o.endpoint) {
    const endpoint = o.endpoint.replace(/\/+$/, '');
    if (o.forcePathStyle) return `${endpoint}/${o.bucket}`;
    const u = new URL(endpoint);
    return `${u.protocol}//${o.bucket}.${u.host}`;
  }
  return `https://${o.bucket}.s3.${o.region}.amazonaws.com`;
}
