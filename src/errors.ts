/**
 * The closed catalogue of Media Studio errors. Retry, dead-lettering and job failure decide from `code`
 * and `retriable` alone, never from message text. `docs/errors.md` lists the same codes; a test checks
 * both ways.
 */

export const errorCatalogue = {
  // Configuration and programming errors: the process cannot do its work at all.
  MS_CONFIG_INVALID: { retriable: false, description: 'the environment is invalid' },
  // Input the job can never succeed with: the job fails at once.
  MS_INVALID_REQUEST: { retriable: false, description: 'the request or a parameter is invalid' },
  MS_UNKNOWN_OPERATION: { retriable: false, description: 'an operation name is not one Media Studio knows' },
  MS_INVALID_PARAMS: {
    retriable: false,
    description: "an operation's params are out of range or the wrong type",
  },
  MS_URL_INVALID: { retriable: false, description: 'the image URL is malformed or not http(s)' },
  MS_URL_BLOCKED: {
    retriable: false,
    description: 'the image URL resolves to a private, loopback or reserved address',
  },
  MS_FETCH_FAILED: { retriable: false, description: 'the image server answered with an error status' },
  MS_TOO_LARGE: { retriable: false, description: 'the download exceeds the byte limit' },
  MS_PIXEL_LIMIT: { retriable: false, description: 'the image has more pixels than allowed' },
  MS_UNSUPPORTED_FORMAT: {
    retriable: false,
    description: 'the bytes are not an image format Media Studio decodes',
  },
  MS_DECODE_FAILED: { retriable: false, description: 'the image is corrupt or truncated' },
  MS_PROCESSING_FAILED: { retriable: false, description: 'an operation cannot be applied to this image' },
  MS_MODEL_INVALID: { retriable: false, description: 'a model file is missing or fails its checksum' },
  MS_UPSTREAM_REJECTED: {
    retriable: false,
    description: 'an external API (OpenAI) refused the request (content policy, bad key, unknown model)',
  },
  // The event itself cannot be read: it goes to the dead-letter topic.
  MS_EVENT_UNDECODABLE: { retriable: false, description: 'a message is not a valid event of its topic' },
  // Passing failures of something we depend on: retried with backoff.
  MS_FETCH_TIMEOUT: { retriable: true, description: 'the image server did not answer in time' },
  MS_FETCH_NETWORK: { retriable: true, description: 'the image server could not be reached' },
  MS_STORAGE_UNAVAILABLE: { retriable: true, description: 'object storage failed' },
  MS_DATABASE_UNAVAILABLE: { retriable: true, description: 'the database failed' },
  MS_BROKER_UNAVAILABLE: { retriable: true, description: 'Kafka or the schema registry failed' },
  MS_STAGE_TIMEOUT: { retriable: true, description: 'a stage took longer than STAGE_TIMEOUT_MS' },
  MS_INFERENCE_FAILED: {
    retriable: true,
    description: 'the thread running the models stopped (out of memory, a crash) during an inference',
  },
  MS_UPSTREAM_UNAVAILABLE: {
    retriable: true,
    description: 'an external API (OpenAI) failed or rate-limited',
  },
} as const satisfies Record<string, { retriable: boolean; description: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

export class MediaStudioError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MediaStudioError';
    this.retriable = errorCatalogue[code].retriable;
    this.details = options?.details;
    this.retryAfterMs = options?.retryAfterMs;
  }

  readonly details: Record<string, unknown> | undefined;
  /** A retriable failure whose source said when to come back (HTTP Retry-After): wait at least this. */
  readonly retryAfterMs: number | undefined;
}

export function isMediaStudioError(err: unknown): err is MediaStudioError {
  return err instanceof MediaStudioError;
}

/**
 * Classifies anything thrown: our own errors keep their code; anything else is wrapped as `fallback`
 * (a processor bug is a permanent failure of that job, an unknown I/O failure a transient one).
 */
export function toMediaStudioError(err: unknown, fallback: ErrorCode): MediaStudioError {
  if (err instanceof MediaStudioError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MediaStudioError(fallback, message, { cause: err });
}
