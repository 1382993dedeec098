/**
 * What the model-backed processor tests share: one ONNX provider for the file (created before its tests,
 * its sessions released after them) and decoding a dataset photo.
 */
import { readFileSync } from 'node:fs';
import { beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createModelProvider } from '../../src/models/index.js';
import type { OnnxModelProvider } from '../../src/models/model-provider.js';
import { decodeImage } from '../../src/processors/codec.js';
import type { RawImage } from '../../src/processors/types.js';

/** Registers the provider's lifetime with the test file; call the returned function inside tests. */
export function useModels(): () => OnnxModelProvider {
  let models: OnnxModelProvider | undefined;
  beforeAll(() => {
    models = createModelProvider(loadConfig());
    return () => models?.release();
  });
  return () => {
    if (!models) throw new Error('models are created in beforeAll: use them inside a test');
    return models;
  };
}

export async function decodeFile(path: string): Promise<RawImage> {
  return (await decodeImage(readFileSync(path), { maxPixels: 50_000_000 })).image;
}
