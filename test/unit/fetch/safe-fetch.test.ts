import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowRules } from '../../../src/fetch/address-policy.js';
import { type SafeFetchOptions, safeFetch } from '../../../src/fetch/safe-fetch.js';
import { type ImageServer, redirectTo, serveBytes, startImageServer } from '../../helpers/image-server.js';

describe('safe fetch', () => {
  let server: ImageServer;
  let options: SafeFetchOptions;
  const body = Buffer.alloc(10_000, 7);

  beforeAll(async () => {
    server = await startImageServer();
    // Only this test server's port is allowed; every other loopback port stays blocked.
    options = {
      timeoutMs: 2_000,
      maxBytes: 50_000,
      maxRedirects: 3,
      allow: parseAllowRules([`127.0.0.1:${server.port}`]),
    };
    server.route('/image.jpg', serveBytes(body));
    server.route('/big', serveBytes(Buffer.alloc(60_000)));
    server.route('/chunked-big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(10_000);
      for (let i = 0; i < 10; i++) res.write(chunk);
      res.end();
    });
    server.route('/hop', redirectTo('/image.jpg'));
    server.route('/to-metadata', redirectTo('http://169.254.169.254/latest/meta-data/'));
    server.route('/to-other-port', redirectTo('http://127.0.0.1:1/x.jpg'));
    server.route('/to-file', redirectTo('file:///etc/passwd'));
    server.route('/loop', redirectTo('/loop'));
    server.route('/gone', (_req, res) => res.writeHead(410).end());
    server.route('/busy', (_req, res) => res.writeHead(503).end());
    server.route('/slow', () => {});
  });
  afterAll(() => server.close());

  it('downloads an allowed URL', async () => {
    const got = await safeFetch(`${server.origin}/image.jpg`, options);
    expect(got.bytes.equals(body)).toBe(true);
    expect(got.contentType).toBe('image/jpeg');
  });

  it('follows a redirect and re-checks it', async () => {
    expect((await safeFetch(`${server.origin}/hop`, options)).finalUrl).toBe(`${server.origin}/image.jpg`);
  });

  it.each([
    ['http://127.0.0.1:1/a.jpg', 'MS_URL_BLOCKED'],
    ['http://localhost:1/a.jpg', 'MS_URL_BLOCKED'],
    ['http://169.254.169.254/latest/meta-data/', 'MS_URL_BLOCKED'],
    ['http://10.0.0.8/a.jpg', 'MS_URL_BLOCKED'],
    ['http://[::1]:1/a.jpg', 'MS_URL_BLOCKED'],
    ['http://0x7f000001/a.jpg', 'MS_URL_BLOCKED'],
    ['ftp://example.com/a.jpg', 'MS_URL_INVALID'],
    ['file:///etc/passwd', 'MS_URL_INVALID'],
    ['not a url', 'MS_URL_INVALID'],
    ['http://user:pw@example.com/a.jpg', 'MS_URL_INVALID'],
  ])('refuses %s with %s', async (url, code) => {
    await expect(safeFetch(url, options)).rejects.toMatchObject({ code });
  });

  it.each([
    ['/to-metadata', 'MS_URL_BLOCKED'],
    ['/to-other-port', 'MS_URL_BLOCKED'],
    ['/to-file', 'MS_URL_INVALID'],
    ['/loop', 'MS_FETCH_FAILED'],
  ])('refuses the redirect %s with %s', async (path, code) => {
    await expect(safeFetch(`${server.origin}${path}`, options)).rejects.toMatchObject({ code });
  });

  it('enforces the byte cap on declared and on streamed sizes', async () => {
    await expect(safeFetch(`${server.origin}/big`, options)).rejects.toMatchObject({ code: 'MS_TOO_LARGE' });
    await expect(safeFetch(`${server.origin}/chunked-big`, options)).rejects.toMatchObject({
      code: 'MS_TOO_LARGE',
    });
  });

  it('classifies statuses: 4xx permanent, 5xx passing', async () => {
    await expect(safeFetch(`${server.origin}/gone`, options)).rejects.toMatchObject({
      code: 'MS_FETCH_FAILED',
      retriable: false,
    });
    await expect(safeFetch(`${server.origin}/busy`, options)).rejects.toMatchObject({
      code: 'MS_FETCH_NETWORK',
      retriable: true,
    });
  });

  it('times out a server that never answers', async () => {
    await expect(safeFetch(`${server.origin}/slow`, { ...options, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'MS_FETCH_TIMEOUT',
      retriable: true,
    });
  });
});
