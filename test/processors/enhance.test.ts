/**
 * The `enhance` processor as the pipeline runs it: the seed's params, the model from the context (or
 * Lanczos, said in the metadata), the longest-side cap, and corrections that leave a good photo alone.
 * Each step has its own tests in test/processors/enhance/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { MediaStudioError } from '../../src/errors.js';
import { createModelProvider } from '../../src/models/index.js';
import type { ModelProvider, OnnxModelProvider } from '../../src/models/model-provider.js';
import { realEsrganGeneralX4For, realEsrganGeneralX4Int8 } from '../../src/models/realesrgan.js';
import { enhance, enhanceParams, upscaleTarget } from '../../src/processors/enhance.js';
import { getProcessor, parseParams } from '../../src/processors/index.js';
import type { RawImage } from '../../src/processors/types.js';
import { meanDeltaE } from '../helpers/image-metrics.js';
import { pixelAt } from '../helpers/image-similarity.js';
import { GOOD_PHOTOS, photo, photoWithAlpha, UNCHANGED_DE } from './enhance/photos.js';

let models: OnnxModelProvider;
beforeAll(() => {
  models = createModelProvider(loadConfig());
});
afterAll(() => models.release());

const run = (image: RawImage, params: unknown, context: Parameters<typeof enhance.run>[2]) =>
  enhance.run(image, parseParams(enhance, params), context);

describe('enhance params', () => {
  it('defaults to the seed', () => {
    expect(enhanceParams.parse({})).toEqual({
      upscale: true,
      upscale_factor: 2,
      sharpen: true,
      sharpen_amount: 1,
      denoise: false,
      auto_contrast: true,
      auto_color: true,
    });
  });

  it('rejects what the seed rejects, and unknown keys, as MS_INVALID_PARAMS', () => {
    for (const bad of [
      { upscale_factor: 5 },
      { upscale_factor: 0 },
      { upscale_factor: 1.5 },
      { sharpen_amount: 3.5 },
      { strength: 1 },
    ]) {
      expect(() => parseParams(enhance, bad)).toThrow(MediaStudioError);
    }
  });

  it('describes every param', () => {
    for (const [key, schema] of Object.entries(enhanceParams.shape)) {
      expect(schema.description, key).toMatch(/Default/);
    }
  });

  it('is registered, and its version follows the model', () => {
    expect(getProcessor('enhance')).toBe(enhance);
    expect(enhance.version).toContain(realEsrganGeneralX4Int8.version);
  });
});

describe('enhance', () => {
  it('upscales ×2 with the model, corrects and sharpens, and says what it did', async () => {
    const img = await photo('magento_mb01-blue-0.jpg', 240);
    const { image, metadata } = await run(img, {}, { maxSidePx: 8192, models });
    expect([image.width, image.height]).toEqual([img.width * 2, img.height * 2]);
    expect(metadata).toMatchObject({
      upscale: {
        upscaler: realEsrganGeneralX4For(models.precision).name,
        factor: 2,
        scale: 2,
        capped: false,
      },
      auto_contrast: { applied: false, case: 'reaches_white' },
      auto_color: { applied: false },
      sharpen: { radius: 1.5, percent: 100, threshold: 3 },
      width: img.width * 2,
      height: img.height * 2,
    });
  }, 120_000);

  it('falls back to Lanczos without a model provider, and says so', async () => {
    const img = await photo('magento_mb01-blue-0.jpg', 120);
    const { image, metadata } = await run(img, { upscale_factor: 3 }, { maxSidePx: 8192 });
    expect([image.width, image.height]).toEqual([img.width * 3, img.height * 3]);
    expect(metadata.upscale).toMatchObject({
      upscaler: 'lanczos3',
      fallback_reason: expect.stringMatching(/no model/),
    });
  });

  it('falls back to Lanczos when the model cannot be loaded, and says why', async () => {
    const broken: ModelProvider = {
      precision: 'fp32',
      session: () => Promise.reject(new Error('checksum mismatch')),
    };
    const img = await photo('magento_mb01-blue-0.jpg', 120);
    const { metadata } = await run(img, {}, { maxSidePx: 8192, models: broken });
    expect(metadata.upscale).toMatchObject({
      upscaler: 'lanczos3',
      fallback_reason: expect.stringMatching(/checksum mismatch/),
    });
  });

  it('caps the factor at the longest side allowed instead of failing', async () => {
    expect(upscaleTarget({ width: 300, height: 200 }, 4, 600)).toEqual({
      width: 600,
      height: 400,
      scale: 2,
      capped: true,
    });
    expect(upscaleTarget({ width: 900, height: 600 }, 2, 600)).toMatchObject({
      width: 900,
      scale: 1,
      capped: true,
    });
    const img = await photo('magento_mb01-blue-0.jpg', 150);
    const { image, metadata } = await run(
      img,
      { upscale_factor: 4, sharpen: false },
      { maxSidePx: 300, models },
    );
    expect(Math.max(image.width, image.height)).toBe(300);
    expect(metadata.upscale).toMatchObject({ factor: 4, scale: 2, capped: true });
  }, 120_000);

  it('keeps the size with upscale off or factor 1', async () => {
    const img = await photo('magento_mb01-blue-0.jpg', 100);
    for (const params of [{ upscale: false }, { upscale_factor: 1 }]) {
      const { image } = await run(img, params, { maxSidePx: 8192, models });
      expect([image.width, image.height]).toEqual([img.width, img.height]);
    }
  });

  it.each(GOOD_PHOTOS)(
    'leaves %s within 1 ΔE with every correction on (no upscale, no sharpen)',
    async (name) => {
      const img = await photo(name);
      const params = { upscale: false, sharpen: false, denoise: true, auto_contrast: true, auto_color: true };
      const { image } = await run(img, params, { maxSidePx: 8192, models });
      expect(meanDeltaE(image, img)).toBeLessThan(UNCHANGED_DE);
    },
  );

  it('keeps a cut-out cut out', async () => {
    const cutout = await photoWithAlpha('solidus_hat.png', 160);
    const { image } = await run(cutout, {}, { maxSidePx: 8192, models });
    expect(pixelAt(image, 1, 1)[3]).toBe(0);
    expect(pixelAt(image, cutout.width, cutout.height)[3]).toBe(255);
  }, 120_000);

  it('stops when the step is cancelled', async () => {
    const img = await photo('magento_mb01-blue-0.jpg', 120);
    const signal = AbortSignal.abort();
    await expect(run(img, {}, { maxSidePx: 8192, models, signal })).rejects.toThrow();
  });
});
