/**
 * Backgrounds painted by the OpenAI Images API (`POST /v1/images/generations`) through the official SDK.
 *
 * - **Size.** Each model family renders a fixed set of sizes (GPT image models: 1024×1024, 1536×1024,
 *   1024×1536; dall-e-3: 1024×1024, 1792×1024, 1024×1792; dall-e-2: square only). We ask for the one whose
 *   aspect ratio is closest to the canvas (in log space, so 2:1 and 1:2 are equally far from 1:1); the
 *   processor then covers the canvas with it. Unknown models (OpenAI-compatible servers) get the GPT sizes.
 * - **Bytes.** GPT image models always answer `b64_json` and take `output_format`; the DALL·E models answer
 *   URLs unless asked for `response_format: 'b64_json'` (and reject `output_format`). We never download a
 *   URL: the image arrives in the response body, so there is no second request to secure.
 * - **Errors**, classified from the HTTP status alone: 408, 409, 429 and 5xx, connection failures and
 *   timeouts are MS_UPSTREAM_UNAVAILABLE (retriable); any other 4xx — a prompt refused by the content
 *   policy (400), a bad key (401/403), an unknown model (404) — is MS_UPSTREAM_REJECTED (permanent).
 * - **Retries.** The SDK's own retries default to none: the stage runner already retries retriable
 *   errors with backoff and jitter, and two retry loops would multiply. The CLI, which has no runner,
 *   asks for a couple.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Config } from '../config.js';
import { MediaStudioError } from '../errors.js';
import type { BackgroundRequest, BackgroundSource } from './background-source.js';

/** Sizes each model family renders, as `WIDTHxHEIGHT`; the first entry whose prefix matches wins. */
const modelSizes: readonly (readonly [prefix: string, sizes: readonly string[]])[] = [
  ['dall-e-2', ['1024x1024']],
  ['dall-e-3', ['1024x1024', '1792x1024', '1024x1792']],
  ['gpt-image', ['1024x1024', '1536x1024', '1024x1536']],
];
const DEFAULT_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;

/** The size `model` renders whose aspect ratio is closest to width×height. */
export function imageSizeFor(model: string, width: number, height: number): string {
  const sizes = modelSizes.find(([prefix]) => model.startsWith(prefix))?.[1] ?? DEFAULT_SIZES;
  const target = Math.log(width / height);
  let best = sizes[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const size of sizes) {
    const [w, h] = size.split('x').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = size;
      bestDistance = distance;
    }
  }
  return best;
}

const isGptImageModel = (model: string) => model.startsWith('gpt-image');

export interface OpenAIBackgroundSourceOptions {
  readonly apiKey: string;
  /** An OpenAI-compatible base URL (…/v1); the SDK's default when omitted. */
  readonly baseURL?: string;
  readonly model: string;
  /** Time one request may take, in milliseconds. */
  readonly timeoutMs: number;
  /** The SDK's own retries of retriable failures; 0 by default (the stage runner retries). */
  readonly maxRetries?: number;
}

export class OpenAIBackgroundSource implements BackgroundSource {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(options: OpenAIBackgroundSourceOptions) {
    this.model = options.model;
    this.name = `openai:${options.model}`;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries ?? 0,
    });
  }

  async generate(request: BackgroundRequest, signal?: AbortSignal): Promise<Buffer> {
    const size = imageSizeFor(this.model, request.width, request.height);
    let b64: string | undefined;
    try {
      const response = await this.client.images.generate(
        {
          model: this.model,
          prompt: request.prompt,
          n: 1,
          size,
          ...(isGptImageModel(this.model)
            ? { output_format: 'png' as const }
            : { response_format: 'b64_json' as const }),
        },
        { signal },
      );
      b64 = response.data?.[0]?.b64_json;
    } catch (err) {
      throw classifyOpenAIError(err, signal);
    }
    if (!b64) {
      throw new MediaStudioError('MS_UPSTREAM_UNAVAILABLE', `${this.name} answered without an image`, {
        details: { model: this.model, size },
      });
    }
    return Buffer.from(b64, 'base64');
  }
}

/**
 * Maps what the SDK throws to our catalogue. An abort of our own (shutdown, stage timeout) is passed on as
 * the signal's reason, so the runner sees its own abort and not an upstream failure.
 */
export function classifyOpenAIError(err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof MediaStudioError) return err;
  if (signal?.aborted) return signal.reason ?? err;
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) {
    const timedOut = err instanceof APIConnectionTimeoutError;
    return new MediaStudioError(
      'MS_UPSTREAM_UNAVAILABLE',
      `OpenAI images ${timedOut ? 'timed out' : `unreachable: ${err.message}`}`,
      { cause: err, details: { timeout: timedOut } },
    );
  }
  if (err instanceof APIError && err.status !== undefined) {
    const status = err.status;
    const transient = status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfterMs = transient ? retryAfterOf(err.headers) : undefined;
    return new MediaStudioError(
      transient ? 'MS_UPSTREAM_UNAVAILABLE' : 'MS_UPSTREAM_REJECTED',
      `OpenAI images answered ${err.message}`,
      {
        cause: err,
        details: { status, type: err.type, code: err.code, requestId: err.requestID },
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }
  // Anything else (a response that is not JSON, a proxy's garbage) is treated as a passing failure.
  const message = err instanceof Error ? err.message : String(err);
  return new MediaStudioError('MS_UPSTREAM_UNAVAILABLE', `OpenAI images failed: ${message}`, { cause: err });
}

/**
 * When a rate-limited API asks to be called again, in ms: OpenAI's `retry-after-ms`, else the standard
 * `retry-after` (seconds or an HTTP date). Undefined when absent or unreadable.
 */
export function retryAfterOf(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The OpenAI source when OPENAI_API_KEY is set, else undefined (generate_background then paints offline).
 * `maxRetries` is the SDK's own retry count: 0 under the stage runner, which retries itself.
 */
export function createBackgroundSource(
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_IMAGE_MODEL' | 'OPENAI_TIMEOUT_MS'>,
  { maxRetries = 0 }: { maxRetries?: number } = {},
): OpenAIBackgroundSource | undefined {
  if (!config.OPENAI_API_KEY) return undefined;
  return new OpenAIBackgroundSource({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_IMAGE_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    maxRetries,
  });
}
