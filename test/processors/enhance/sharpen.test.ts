/** `sharpen`: the seed's amount mapping, applied to luminance only. */
import { describe, expect, it } from 'vitest';
import { sharpen, sharpenSettings } from '../../../src/processors/enhance/sharpen.js';
import { srgbToLab } from '../../helpers/image-metrics.js';
import { paint } from '../../helpers/synthetic-images.js';
import { edgeEnergy, photo } from './photos.js';

describe('sharpen', () => {
  it('maps the amount as the seed did', () => {
    expect(sharpenSettings(1)).toEqual({ radius: 1.5, percent: 100, threshold: 3 });
    expect(sharpenSettings(3)).toEqual({ radius: 2.5, percent: 200, threshold: 3 });
    expect(sharpenSettings(0.5)).toEqual({ radius: 1.25, percent: 75, threshold: 3 });
  });

  it('does nothing at amount 0', async () => {
    const img = await photo('magento_mb02-gray-0.jpg', 200);
    expect((await sharpen(img, 0)).image).toBe(img);
  });

  it('sharpens luminance only: edges gain contrast, colours keep their hue (no fringes)', async () => {
    const img = await photo('magento_mb01-blue-0.jpg', 400);
    const { image } = await sharpen(img, 2);
    expect(edgeEnergy(image)).toBeGreaterThan(1.2 * edgeEnergy(img));
    // The same delta goes to R, G and B, so the channel differences (chroma) are untouched where nothing
    // clipped.
    let moved = 0;
    let kept = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const out = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      if (Math.max(...out) >= 255 || Math.min(...out) <= 0) continue;
      if (out[0] === img.data[i]) continue;
      moved++;
      const same =
        out[0]! - out[1]! === img.data[i]! - img.data[i + 1]! &&
        out[1]! - out[2]! === img.data[i + 1]! - img.data[i + 2]!;
      if (same) kept++;
    }
    expect(moved).toBeGreaterThan(1000);
    expect(kept / moved).toBeGreaterThan(0.99);
  });

  it('does not tint a grey edge', async () => {
    const edge = paint(32, 32, (x) => (x < 16 ? [60, 60, 60, 255] : [200, 200, 200, 255]));
    const { image } = await sharpen(edge, 3);
    for (let x = 12; x < 20; x++) {
      const i = (16 * 32 + x) * 4;
      const [, a, b] = srgbToLab(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!);
      expect(Math.hypot(a, b)).toBeLessThan(0.5);
    }
  });
});
