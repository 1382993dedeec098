/**
 * Line-screen marks (watermark/line-screen.ts) on a real product photo with a screen laid on in code, where the
 * truth is known: found with its period and direction in either orientation, restored from the photo between its
 * lines, and nothing found on the clean photo or on a symmetric fine stripe texture.
 */
import { describe, expect, it } from 'vitest';
import { psnrOn } from '../../bench/watermark/metrics.js';
import type { RawImage } from '../../src/processors/types.js';
import { restoreLineScreens } from '../../src/processors/watermark/line-screen.js';
import { datasetFile } from '../helpers/datasets.js';
import { decodeFile } from '../helpers/models.js';

const PHOTO = datasetFile('products', 'images', 'magento_mb03-black-0.jpg');

/**
 * Lays a screen over a disc: every `period`-th line (row or column) blended with `colour` at `alpha`. Returns the
 * marked image and the mask of blended pixels.
 */
function screened(
  photo: RawImage,
  lines: 'rows' | 'columns',
  period: number,
  alpha: number,
  colour: number,
): { image: RawImage; mask: Uint8Array } {
  const data = Buffer.from(photo.data);
  const mask = new Uint8Array(photo.width * photo.height);
  const [cx, cy, r] = [0.55 * photo.width, 0.45 * photo.height, 0.22 * Math.min(photo.width, photo.height)];
  for (let y = 0; y < photo.height; y++)
    for (let x = 0; x < photo.width; x++) {
      if (Math.hypot(x - cx, y - cy) > r || (lines === 'rows' ? y : x) % period !== 0) continue;
      const i = y * photo.width + x;
      mask[i] = 1;
      for (let k = 0; k < 3; k++)
        data[i * 4 + k] = Math.round(alpha * colour + (1 - alpha) * data[i * 4 + k]!);
    }
  return { image: { ...photo, data }, mask };
}

describe('restoreLineScreens', () => {
  it.each([
    ['rows', 3, 0.35, 255, 1],
    ['columns', 4, 0.4, 0, -1],
  ] as const)(
    'finds a %s screen every %i px (α %f, colour %i) and restores the photo under it',
    async (lines, period, alpha, colour, sign) => {
      const photo = await decodeFile(PHOTO);
      const { image, mask } = screened(photo, lines, period, alpha, colour);
      const { screens: found, restored } = restoreLineScreens(image);
      // One area, or a few where the screen's rim breaks off from it.
      expect(found.length).toBeGreaterThan(0);
      for (const screen of found) {
        expect(screen).toMatchObject({ lines, period, sign });
        expect(screen.periodicity).toBeGreaterThan(0.6);
      }
      const before = psnrOn(image, photo, mask);
      const after = psnrOn(restored, photo, mask);
      // Interpolated from the photo one line away on each side. On this bag's fine mesh even interpolating
      // from the true neighbours is 32.7 dB from the truth, which is what the restoration reaches.
      expect(after - before).toBeGreaterThan(12);
      expect(after).toBeGreaterThan(31);
      // Off the screen's lines the photo is left as it was, or nearly (a bright detail beside a line).
      const off = Uint8Array.from(mask, (m) => 1 - m);
      expect(psnrOn(restored, image, off)).toBeGreaterThan(45);
    },
  );

  it('finds nothing on the clean photo, and leaves the output alone', async () => {
    const photo = await decodeFile(PHOTO);
    const { screens, restored } = restoreLineScreens(photo);
    expect(screens).toEqual([]);
    expect(restored).toBe(photo);
  });

  it('finds nothing in a fine symmetric stripe texture (a knit), which is not a mark laid over the photo', async () => {
    const photo = await decodeFile(PHOTO);
    // Rows alternately lighter and darker by the same amount: strong across the lines, but not one-sided.
    const data = Buffer.from(photo.data);
    for (let y = 200; y < 500; y++)
      for (let x = 300; x < 700; x++)
        for (let k = 0; k < 3; k++) {
          const i = (y * photo.width + x) * 4 + k;
          data[i] = Math.max(0, Math.min(255, data[i]! + (y % 2 === 0 ? 20 : -20)));
        }
    expect(restoreLineScreens({ ...photo, data }).screens).toEqual([]);
  });
});
