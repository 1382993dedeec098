/**
 * Downloads a source image from an untrusted URL: http(s) only; every hop's host resolved and checked
 * against the address policy, and the connection pinned to the checked address (no DNS rebinding
 * between check and connect); redirects followed by hand and re-checked; a total timeout; a byte cap
 * enforced while streaming. The bytes are not trusted either: decoding sniffs the format.
 */

import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request, errors as undiciErrors } from 'undici';
import { MediaStudioError } from '../errors.js';
import { type AllowRule, mayConnect } from './address-policy.js';

export interface SafeFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly allow: readonly AllowRule[];
  readonly userAgent?: string;
}

export interface FetchedImage {
  readonly bytes: Buffer;
  readonly finalUrl: string;
  readonly contentType: string | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function safeFetch(rawUrl: string, options: SafeFetchOptions): Promise<FetchedImage> {
  // One deadline for all hops; cleared on every exit so no abort fires into a finished request.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException('download timed out', 'TimeoutError')),
    options.timeoutMs,
  );
  try {
    return await fetchHops(parseHttpUrl(rawUrl), options, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchHops(first: URL, options: SafeFetchOptions, signal: AbortSignal): Promise<FetchedImage> {
  let url = first;
  for (let hop = 0; ; hop++) {
    const address = await resolveChecked(url, options.allow);
    const dispatcher = pinnedAgent(address, options.timeoutMs);
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher,
        signal,
        headers: { 'user-agent': options.userAgent ?? 'media-studio/0.1', accept: 'image/*' },
      }).catch((err: unknown) => {
        throw classifyNetworkError(err, url);
      });
      // We may stop reading early (redirect, cap, error): a late stream error must not go unhandled.
      res.body.on('error', () => {});
      if (REDIRECTS.has(res.statusCode)) {
        await res.body.dump();
        const location = res.headers.location;
        if (typeof location !== 'string') {
          throw new MediaStudioError('MS_FETCH_FAILED', `redirect without a Location from ${url.host}`);
        }
        if (hop >= options.maxRedirects) {
          throw new MediaStudioError('MS_FETCH_FAILED', `more than ${options.maxRedirects} redirects`);
        }
        url = parseHttpUrl(new URL(location, url).href);
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump();
        // 5xx and 429 are the server's passing trouble; other statuses will not change on retry.
        const passing = res.statusCode >= 500 || res.statusCode === 429;
        throw new MediaStudioError(
          passing ? 'MS_FETCH_NETWORK' : 'MS_FETCH_FAILED',
          `image server answered ${res.statusCode}`,
          {
            details: { status: res.statusCode },
          },
        );
      }
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > options.maxBytes) {
        res.body.destroy();
        throw tooLarge(options.maxBytes);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body) {
          total += (chunk as Buffer).length;
          if (total > options.maxBytes) {
            res.body.destroy();
            throw tooLarge(options.maxBytes);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        throw classifyNetworkError(err, url);
      }
      const contentType = res.headers['content-type'];
      return {
        bytes: Buffer.concat(chunks, total),
        finalUrl: url.href,
        contentType: typeof contentType === 'string' ? contentType : undefined,
      };
    } finally {
      await dispatcher.close().catch(() => {});
    }
  }
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MediaStudioError('MS_URL_INVALID', `not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MediaStudioError('MS_URL_INVALID', `only http and https URLs are fetched, not ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new MediaStudioError('MS_URL_INVALID', 'URLs with credentials are refused');
  return url;
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Resolves the host and returns the first address the policy lets us connect to, or refuses. */
async function resolveChecked(url: URL, allow: readonly AllowRule[]): Promise<LookupAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') {
        throw new MediaStudioError('MS_URL_INVALID', `host ${host} does not resolve`, { cause: err });
      }
      throw new MediaStudioError('MS_FETCH_NETWORK', `DNS lookup of ${host} failed: ${code}`, { cause: err });
    }
  }
  // Any refused address blocks the host: a name that also points inside is not one we talk to.
  const refused = addresses.find((a) => !mayConnect(allow, host, portOf(url), a.address));
  if (refused || addresses.length === 0) {
    throw new MediaStudioError(
      'MS_URL_BLOCKED',
      `${host} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`,
      {
        details: { host, address: refused?.address ?? null },
      },
    );
  }
  return addresses[0]!;
}

/** An agent whose every connection goes to the one address we checked, whatever DNS says now. */
function pinnedAgent(address: LookupAddress, timeoutMs: number): Agent {
  return new Agent({
    connections: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: {
      timeout: Math.min(timeoutMs, 10_000),
      lookup: (_hostname, options, callback) => {
        if ((options as { all?: boolean }).all)
          callback(null, [address] as unknown as string, address.family);
        else callback(null, address.address, address.family);
      },
    },
  });
}

function tooLarge(maxBytes: number): MediaStudioError {
  return new MediaStudioError('MS_TOO_LARGE', `image is larger than ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

function classifyNetworkError(err: unknown, url: URL): MediaStudioError {
  if (err instanceof MediaStudioError) return err;
  const e = err as Error & { code?: string };
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e instanceof undiciErrors.HeadersTimeoutError ||
    e instanceof undiciErrors.BodyTimeoutError ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new MediaStudioError('MS_FETCH_TIMEOUT', `download from ${url.host} timed out`, { cause: err });
  }
  return new MediaStudioError(
    'MS_FETCH_NETWORK',
    `download from ${url.host} failed: ${e.code ?? e.message}`,
    { cause: err },
  );
}
