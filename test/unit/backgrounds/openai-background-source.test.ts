/**
 * The OpenAI background source against a local server that speaks the Images API
 * (`POST /v1/images/generations` → `{created, data: [{b64_json}]}`), through the real `openai` SDK.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createBackgroundSource,
  imageSizeFor,
  OpenAIBackgroundSource,
  retryAfterOf,
} from '../../../src/backgrounds/openai-background-source.js';
import { MediaStudioError } from '../../../src/errors.js';
import { decodeLossless, encodeLossless } from '../../../src/processors/codec.js';
import { generateBackground, generateBackgroundParams } from '../../../src/processors/generate-background.js';
import { type ImageServer, startImageServer } from '../../helpers/image-server.js';
import { pixelAt } from '../../helpers/image-similarity.js';
import { cutOut, solid } from '../../helpers/synthetic-images.js';

interface Received {
  readonly method: string | undefined;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

type Answer = (res: ServerResponse) => void;

let server: ImageServer;
let received: Received[] = [];
let answer: Answer;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const imageAnswer = (png: Buffer): Answer =>
  json(200, { created: 1_760_000_000, data: [{ b64_json: png.toString('base64') }] });

const apiError = (status: number, message: string, type: string, code: string | null): Answer =>
  json(status, { error: { message, type, param: null, code } });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await startImageServer();
  server.route('/v1/images/generations', (req, res) => {
    void readJson(req).then((body) => {
      received.push({ method: req.method, authorization: req.headers.authorization, body });
      answer(res);
    });
  });
});
afterAll(() => server.close());
beforeEach(() => {
  received = [];
});

const source = (model = 'gpt-image-1', timeoutMs = 5_000) =>
  new OpenAIBackgroundSource({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, model, timeoutMs });

const request = {
  prompt: 'an empty marble desk, soft lighting',
  width: 1200,
  height: 800,
  style: 'marble_desk',
};

async function failure(promise: Promise<unknown>): Promise<MediaStudioError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaStudioError);
  return err as MediaStudioError;
}

describe('OpenAIBackgroundSource', () => {
  it('asks for the model, the prompt and the closest size, and returns the PNG it was sent', async () => {
    const png = await encodeLossless(solid(12, 8, [10, 120, 200, 255]));
    answer = imageAnswer(png);
    const bytes = await source().generate(request);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', authorization: 'Bearer sk-test' });
    expect(received[0]!.body).toEqual({
      model: 'gpt-image-1',
      prompt: request.prompt,
      n: 1,
      size: '1536x1024',
      output_format: 'png',
    });
    expect(bytes?.equals(png)).toBe(true);
    const decoded = await decodeLossless(bytes!);
    expect([decoded.width, decoded.height]).toEqual([12, 8]);
    expect(pixelAt(decoded, 3, 3)).toEqual([10, 120, 200, 255]);
  });

  it('asks DALL·E models for base64 instead of a URL, in their own sizes', async () => {
    answer = imageAnswer(await encodeLossless(solid(4, 4, [0, 0, 0, 255])));
    await source('dall-e-3').generate({ ...request, width: 700, height: 1300 });
    expect(received[0]!.body).toEqual({
      model: 'dall-e-3',
      prompt: request.prompt,
      n: 1,
      size: '1024x1792',
      response_format: 'b64_json',
    });
  });

  it.each([
    ['gpt-image-1', 1000, 1000, '1024x1024'],
    ['gpt-image-1', 1600, 900, '1536x1024'],
    ['gpt-image-1', 900, 1600, '1024x1536'],
    ['gpt-image-1.5', 1150, 1000, '1024x1024'],
    ['dall-e-3', 2000, 1000, '1792x1024'],
    ['dall-e-2', 2000, 1000, '1024x1024'],
    ['some-compatible-model', 1300, 900, '1536x1024'],
  ])('%s at %d×%d renders %s', (model, width, height, size) => {
    expect(imageSizeFor(model, width, height)).toBe(size);
  });

  it('a rate limit is a passing failure, and the SDK does not retry it (the stage runner does)', async () => {
    answer = json(
      429,
      { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
      { 'retry-after': '0' },
    );
    const e = await failure(source().generate(request));
    expect(e).toMatchObject({ code: 'MS_UPSTREAM_UNAVAILABLE', retriable: true });
    expect(e.details).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(e.retryAfterMs).toBe(0);
    expect(received).toHaveLength(1);
  });

  it("a rate limit carries OpenAI's retry-after-ms, so the stage runner waits at least that long", async () => {
    answer = json(
      429,
      { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
      { 'retry-after-ms': '1500', 'retry-after': '2' },
    );
    expect((await failure(source().generate(request))).retryAfterMs).toBe(1500);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const of = (h: Record<string, string>) => retryAfterOf(new Headers(h), now);
    expect(of({ 'retry-after': '7' })).toBe(7000);
    expect(of({ 'retry-after': '0.5' })).toBe(500);
    expect(of({ 'retry-after': 'Tue, 24 Nov 2026 10:00:30 GMT' })).toBe(30_000);
    expect(of({ 'retry-after': 'Tue, 24 Nov 2026 09:59:00 GMT' })).toBe(0);
    expect(of({ 'retry-after': 'soon' })).toBeUndefined();
    expect(of({})).toBeUndefined();
  });

  it('a server error is a passing failure', async () => {
    answer = apiError(500, 'The server had an error', 'server_error', null);
    const e = await failure(source().generate(request));
    expect(e).toMatchObject({ code: 'MS_UPSTREAM_UNAVAILABLE', retriable: true });
    expect(e.details).toMatchObject({ status: 500 });
  });

  it('a refused prompt (400) is permanent', async () => {
    answer = apiError(
      400,
      'Your request was rejected by our safety system',
      'image_generation_user_error',
      'content_policy_violation',
    );
    const e = await failure(source().generate(request));
    expect(e).toMatchObject({ code: 'MS_UPSTREAM_REJECTED', retriable: false });
    expect(e.message).toMatch(/safety system/);
    expect(e.details).toMatchObject({ status: 400, code: 'content_policy_violation' });
  });

  it('a bad key (401) is permanent', async () => {
    answer = apiError(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
    await expect(source().generate(request)).rejects.toMatchObject({ code: 'MS_UPSTREAM_REJECTED' });
  });

  it('a server that does not answer in time is a passing failure', async () => {
    answer = () => {}; // never answers
    const e = await failure(source('gpt-image-1', 200).generate(request));
    expect(e).toMatchObject({ code: 'MS_UPSTREAM_UNAVAILABLE', retriable: true, details: { timeout: true } });
  });

  it('an unreachable server is a passing failure', async () => {
    const closed = await startImageServer();
    await closed.close();
    const unreachable = new OpenAIBackgroundSource({
      apiKey: 'k',
      baseURL: `${closed.origin}/v1`,
      model: 'gpt-image-1',
      timeoutMs: 2_000,
    });
    await expect(unreachable.generate(request)).rejects.toMatchObject({ code: 'MS_UPSTREAM_UNAVAILABLE' });
  });

  it('an answer without an image is a passing failure', async () => {
    answer = json(200, { created: 1, data: [] });
    await expect(source().generate(request)).rejects.toMatchObject({ code: 'MS_UPSTREAM_UNAVAILABLE' });
  });

  it('our own abort is passed on as it is, not as an upstream failure', async () => {
    answer = () => {};
    const controller = new AbortController();
    const reason = new Error('stage timed out');
    setTimeout(() => controller.abort(reason), 50);
    await expect(source().generate(request, controller.signal)).rejects.toBe(reason);
  });

  it('exists only with a key', () => {
    const config = {
      OPENAI_API_KEY: undefined,
      OPENAI_BASE_URL: undefined,
      OPENAI_IMAGE_MODEL: 'gpt-image-1',
      OPENAI_TIMEOUT_MS: 60_000,
    };
    expect(createBackgroundSource(config)).toBeUndefined();
    expect(
      createBackgroundSource({ ...config, OPENAI_API_KEY: 'sk-x', OPENAI_IMAGE_MODEL: 'dall-e-3' })?.name,
    ).toBe('openai:dall-e-3');
  });
});

describe('generate_background through the OpenAI source', () => {
  it('composites the product onto the image the server painted', async () => {
    answer = imageAnswer(await encodeLossless(solid(96, 64, [200, 170, 120, 255])));
    const product = cutOut(120, { subject: [30, 60, 200, 255], hidden: [0, 255, 0, 0] });
    const { image, metadata } = await generateBackground.run(
      product,
      generateBackgroundParams.parse({ style: 'wooden_table', lighting: 'dramatic', perspective: 'angle' }),
      { maxSidePx: 10_000, backgrounds: source() },
    );
    expect(metadata).toMatchObject({ generator: 'openai:gpt-image-1', style: 'wooden_table' });
    const body = received[0]!.body;
    expect(body.size).toBe('1024x1024');
    expect(body.prompt).toMatch(/wooden table/);
    expect(body.prompt).toMatch(/dramatic/);
    expect(body.prompt).toMatch(/elevated angle/);
    expect(body.prompt).toBe(metadata.prompt);
    // The served scene where there is no product and no shadow …
    expect(pixelAt(image, 2, 2)).toEqual([200, 170, 120, 255]);
    expect(pixelAt(image, 117, 3)).toEqual([200, 170, 120, 255]);
    // … the product, whole, over it, and never the cut-out's hidden green.
    const box = metadata.product_box as { left: number; top: number; width: number; height: number };
    expect(pixelAt(image, box.left + box.width / 2, box.top + box.height / 2)).toEqual([30, 60, 200, 255]);
    for (let i = 0; i < image.data.length; i += 4)
      expect(image.data[i + 1]! > 200 && image.data[i]! < 50).toBe(false);
  });

  it('falls back to offline when the server refuses the prompt (auto)', async () => {
    answer = apiError(
      400,
      'Your request was rejected by our safety system',
      'image_generation_user_error',
      'content_policy_violation',
    );
    const product = cutOut(80);
    const { metadata } = await generateBackground.run(
      product,
      generateBackgroundParams.parse({ style: 'outdoor' }),
      {
        maxSidePx: 10_000,
        backgrounds: source(),
      },
    );
    expect(metadata).toMatchObject({ generator: 'offline' });
    expect(metadata.fallback_reason).toMatch(/openai:gpt-image-1 refused the request/);
  });
});
