/**
 * The working resolution of large photos (working-resolution.ts): the correction made on the scaled-down copy
 * lands where it was made, nothing else changes, and metadata comes back in the full image's pixels.
 */
import { describe, expect, it } from 'vitest';
import {
  fullScaleMetadata,
  WORKING_PIXELS,
  withCorrection,
  workingCopy,
} from '../../src/processors/watermark/working-resolution.js';
import { paint } from '../helpers/synthetic-images.js';

describe('working resolution', () => {
  // 400 × 200 in full, 100 × 50 worked on: a 10 × 10 patch brightened by 40 at (60..70, 20..30).
  const full = paint(400, 200, (x, y) => [(x * 7) % 200, (y * 5) % 200, 90, 255]);
  const small = paint(100, 50, () => [100, 100, 100, 255]);
  const restored = paint(100, 50, (x, y) =>
    x >= 60 && x < 70 && y >= 20 && y < 30 ? [140, 140, 140, 255] : [100, 100, 100, 255],
  );

  it('hands the photo back as it is where the working copy did not change', () => {
    expect(withCorrection(full, small, small)).toBe(full);
  });

  it('adds the correction inside the patch, and leaves the pixels no changed working pixel reaches', () => {
    const out = withCorrection(full, small, restored);
    const at = (x: number, y: number, k: number) =>
      out.data[4 * (y * 400 + x) + k]! - full.data[4 * (y * 400 + x) + k]!;
    // The patch's middle in full pixels: (260, 100).
    expect([at(260, 100, 0), at(260, 100, 1), at(260, 100, 2)]).toEqual([40, 40, 40]);
    // Far from it, and just beyond the bilinear reach of its edge (working column 60 first reaches full column 238).
    expect(at(100, 50, 0)).toBe(0);
    expect(at(230, 100, 0)).toBe(0);
    // Halfway across the patch's edge the correction is partial.
    expect(at(240, 100, 0)).toBeGreaterThan(0);
    expect(at(240, 100, 0)).toBeLessThan(40);
    // Alpha is kept.
    expect(out.data[4 * (100 * 400 + 260) + 3]).toBe(255);
  });

  it('scales a working copy to WORKING_PIXELS, keeping the aspect ratio', async () => {
    const large = paint(2400, 1600, (x, y) => [x % 256, y % 256, 0, 255]);
    const { small: copy, scale } = await workingCopy(large);
    expect(Math.abs(copy.width * copy.height - WORKING_PIXELS)).toBeLessThan(0.01 * WORKING_PIXELS);
    expect(copy.width / copy.height).toBeCloseTo(1.5, 2);
    expect(scale).toBeCloseTo(copy.width / 2400, 6);
  });

  it('reports regions and inpainted pixels in the full image', () => {
    const metadata = fullScaleMetadata(
      {
        regions: [{ bbox: [10, 20, 30, 5], pixels: 100, kind: 'text' }],
        inpainted_pixels: 50,
        share_of_image: 0.01,
      },
      0.25,
      full,
    );
    expect(metadata.regions).toEqual([{ bbox: [40, 80, 120, 20], pixels: 1600, kind: 'text' }]);
    expect(metadata.inpainted_pixels).toBe(800);
    expect(metadata.share_of_image).toBe(0.01);
  });
});
