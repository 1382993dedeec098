/** The JPEG grid is found where it is, not where it is not, and deblocking only touches flat blocks. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deblock, findJpegGrid } from '../../../src/processors/enhance/deblock.js';
import type { Planes } from '../../../src/processors/enhance/resample.js';
import type { RawImage } from '../../../src/processors/types.js';
import { blockiness } from '../../helpers/image-metrics.js';
import { areaShrink, cropImage, jpegRoundTrip, photo } from './photos.js';

const planes = (img: RawImage): Planes => {
  const n = img.width * img.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = img.data[i * 4 + c]! / 255;
  return { data, width: img.width, height: img.height, channels: 3 };
};
const rgba = (p: Planes): RawImage => {
  const n = p.width * p.height;
  const data = Buffer.alloc(4 * n, 255);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++)
      data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(p.data[c * n + i]! * 255)));
  }
  return { data, width: p.width, height: p.height, channels: 4 };
};

/** A supplier-like JPEG: a studio shot shrunk ×2 and saved at q85 (its 8×8 grid starts at 0, 0). */
async function jpegShot(): Promise<RawImage> {
  const full = await photo('magento_mb02-gray-0.jpg', 2000);
  return jpegRoundTrip(areaShrink(cropImage(full, 200, 300, 640, 640), 2), 85);
}

describe('findJpegGrid', () => {
  it('finds the 8×8 grid, also after a crop moved it', async () => {
    const shot = await jpegShot();
    expect(findJpegGrid(planes(shot))).toEqual({ x: 0, y: 0 });
    const moved = cropImage(shot, 3, 5, shot.width - 3, shot.height - 5);
    expect(findJpegGrid(planes(moved))).toEqual({ x: 5, y: 3 });
  });

  it('finds none in a photo resized after its last JPEG encoding', async () => {
    const shot = await jpegShot();
    const { data, info } = await sharp(shot.data, {
      raw: { width: shot.width, height: shot.height, channels: 4 },
    })
      .resize(Math.round(shot.width * 0.7))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(findJpegGrid(planes({ data, width: info.width, height: info.height, channels: 4 }))).toEqual({
      x: null,
      y: null,
    });
  });
});

describe('deblock', () => {
  it('lowers blockiness and changes few pixels, each by little', async () => {
    const shot = await jpegShot();
    const p = planes(shot);
    const out = rgba(deblock(p, findJpegGrid(p)));
    expect(blockiness(out, 8)).toBeLessThan(blockiness(shot, 8) - 0.05);
    let changed = 0;
    let maxStep = 0;
    for (let i = 0; i < shot.data.length; i++) {
      const d = Math.abs(out.data[i]! - shot.data[i]!);
      if (d > 0) changed++;
      maxStep = Math.max(maxStep, d);
    }
    // Only pixels next to grid lines in flat areas, each by at most 3/8 of a small step (≤ 25 levels) less the
    // slope its flat sides predict.
    expect(changed / shot.data.length).toBeLessThan(0.3);
    expect(maxStep).toBeLessThanOrEqual(12);
  });

  it('returns the input when there is no grid', async () => {
    const p = planes(await jpegShot());
    expect(deblock(p, { x: null, y: null })).toBe(p);
  });
});
