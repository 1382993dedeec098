import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MediaStudioError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

/** The embedded default's storage: objects as files under one folder, same interface as S3. */
export class LocalDiskStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async ensureReady(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async ping(): Promise<void> {
    await stat(this.root);
  }

  async put(key: string, body: Buffer, _options: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const partial = `${path}.partial-${process.pid}`;
    await writeFile(partial, body);
    await rename(partial, path);
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return { bytes: s.size, contentType: undefined };
    } catch {
      return undefined;
    }
  }

  publicUrl(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) {
      throw new MediaStudioError('MS_INVALID_REQUEST', `object key escapes the storage folder: ${key}`);
    }
    return path;
  }
}
