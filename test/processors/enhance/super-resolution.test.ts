import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createModelProvider } from '../../../src/models/index.js';
import type { OnnxModelProvider } from '../../../src/models/model-provider.js';
import { realEsrganGeneralX4For } from '../../../src/models/realesrgan.js';
import { resample } from '../../../src/processors/enhance/resample.js';
import { type SuperResolutionModel, superResolve } from '../../../src/processors/enhance/super-resolution.js';
import type { RawImage } from '../../../src/processors/types.js';
import { blockiness, psnrRgb } from '../../helpers/image-metrics.js';
import { PSNR_IDENTICAL, pixelAt } from '../../helpers/image-similarity.js';
import { paint } from '../../helpers/synthetic-images.js';
import { areaShrink, cropImage, jpegRoundTrip, photo, photoWithAlpha } from './photos.js';

/** What the blend and back-projection must gain over Lanczos on a JPEG-degraded studio shot at ×2. */
const MIN_GAIN_DB = 0.5;

let provider: OnnxModelProvider;
let model: SuperResolutionModel;
beforeAll(async () => {
  provider = createModelProvider(loadConfig());
  // The variant enhance runs on this machine: int8 where the CPU has int8 dot products, else fp32.
  const spec = realEsrganGeneralX4For(provider.precision);
  model = { session: await provider.session(spec), spec };
}, 300_000);
afterAll(() => provider.release());

/** A 384×384 detail of a studio shot (full size), and that detail shrunk ×2 and saved as JPEG q85. */
async function degradedDetail(
  name = 'magento_ms01-blue_main.jpg',
  x = 450,
  y = 500,
): Promise<{ original: RawImage; small: RawImage }> {
  const full = await photo(name, 2000);
  const original = cropImage(full, x, y, 384, 384);
  return { original, small: await jpegRoundTrip(areaShrink(original, 2), 85) };
}

/** Lanczos 3 of a whole RGBA image, straight from the resampler. */
function lanczos(image: RawImage, width: number, height: number): RawImage {
  const n = image.width * image.height;
  const planes = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) planes[c * n + i] = image.data[i * 4 + c]! / 255;
  const up = resample(
    { data: planes, width: image.width, height: image.height, channels: 4 },
    width,
    height,
    'lanczos3',
  );
  const out = Buffer.alloc(width * height * 4);
  const m = width * height;
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < 4; c++)
      out[i * 4 + c] = Math.max(0, Math.min(255, Math.round(up.data[c * m + i]! * 255)));
  }
  return { data: out, width, height, channels: 4 };
}

describe('superResolve', () => {
  it.each([
    ['magento_ms01-blue_main.jpg', 450, 500],
    ['magento_mb04-black-0.jpg', 350, 400],
  ])('beats Lanczos on a JPEG-degraded detail of %s at ×2, with fewer JPEG blocks', async (name, x, y) => {
    const { original, small } = await degradedDetail(name, x, y);
    const ours = await superResolve(small, 384, 384, model);
    const plain = await superResolve(small, 384, 384, null);
    // Measured: +1.15 and +0.90 dB (small crops vary: the whole set is bench/eval-sr.ts's job).
    expect(psnrRgb(ours.image, original) - psnrRgb(plain.image, original)).toBeGreaterThan(MIN_GAIN_DB);
    expect(blockiness(ours.image, 16)).toBeLessThan(blockiness(plain.image, 16));
    expect(ours.stats.jpegGrid).toEqual({ x: 0, y: 0 });
  });

  it('joins tiles without seams', async () => {
    const { small } = await degradedDetail();
    const oneTile = await superResolve(small, 384, 384, model, { tilePx: 1024 });
    const manyTiles = await superResolve(small, 384, 384, model, { tilePx: 48 });
    expect(manyTiles.stats.tiles).toBe(16);
    expect(psnrRgb(manyTiles.image, oneTile.image)).toBeGreaterThan(PSNR_IDENTICAL);
  });

  it('runs the model only where there is detail', async () => {
    const shot = await photo('magento_luma-foam-roller.jpg', 480);
    const { stats } = await superResolve(shot, shot.width * 2, shot.height * 2, model);
    // The roller sits on a white backdrop: the backdrop is Lanczos only.
    expect(stats.modelCoverage).toBeGreaterThan(0.1);
    expect(stats.modelCoverage).toBeLessThan(0.8);

    const flat = paint(64, 48, (x) => [200 + (x >> 4), 180, 160, 255]);
    const up = await superResolve(flat, 128, 96, model);
    expect(up.stats.modelCoverage).toBe(0);
    expect(psnrRgb(up.image, lanczos(flat, 128, 96))).toBeGreaterThan(PSNR_IDENTICAL);
  });

  it('is Lanczos 3 without a model, at any size', async () => {
    const shot = await photo('rembg_car-3.jpg', 160);
    const up = await superResolve(shot, 400, 224, null);
    expect([up.image.width, up.image.height]).toEqual([400, 224]);
    expect(up.stats.modelCoverage).toBe(0);
    expect(psnrRgb(up.image, lanczos(shot, 400, 224))).toBeGreaterThan(PSNR_IDENTICAL);
  });

  it('reaches a size between the factors (a capped ×2.5)', async () => {
    const { original, small } = await degradedDetail();
    const ours = await superResolve(small, 480, 480, model);
    expect([ours.image.width, ours.image.height]).toEqual([480, 480]);
    // Compared at the original's size, it is still closer than Lanczos.
    const back = (img: RawImage) => lanczos(img, 384, 384);
    const plain = await superResolve(small, 480, 480, null);
    expect(psnrRgb(back(ours.image), original)).toBeGreaterThan(psnrRgb(back(plain.image), original));
  });

  it('keeps transparency: alpha is resampled, the cut-out stays cut out', async () => {
    const cutout = await photoWithAlpha('solidus_cap_red_1.png', 200);
    const up = await superResolve(cutout, cutout.width * 2, cutout.height * 2, model);
    expect(pixelAt(up.image, 0, 0)[3]).toBe(0);
    const centre = pixelAt(up.image, cutout.width, cutout.height);
    expect(centre[3]).toBe(255);
  });
});
