/** What the consumers need of object storage; S3 in the stream processor, a folder in the embedded default. */
export interface PutOptions {
  readonly contentType: string;
  /** Cache-Control header; final outputs are immutable (their keys change with the job id). */
  readonly cacheControl?: string;
}

export interface ObjectInfo {
  readonly bytes: number;
  readonly contentType: string | undefined;
}

export interface ObjectStore {
  /** Creates the bucket (or folder) when it does not exist. */
  ensureReady(): Promise<void>;
  /** Throws unless the bucket (or folder) answers; for readiness checks. */
  ping(): Promise<void>;
  put(key: string, body: Buffer, options: PutOptions): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** undefined when there is no such object. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** The URL under which downstream services fetch the object. */
  publicUrl(key: string): string;
}

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const INTERMEDIATE_CACHE_CONTROL = 'private, no-store';
