/** `auto_color` on real product photos: removes a measured cast, leaves neutral photos alone. */
import { describe, expect, it } from 'vitest';
import { autoColour, measureWhiteBalance } from '../../../src/processors/enhance/auto-colour.js';
import { colourCast } from '../../helpers/degradations.js';
import { meanDeltaE } from '../../helpers/image-metrics.js';
import { paint } from '../../helpers/synthetic-images.js';
import { GOOD_PHOTOS, photo } from './photos.js';

describe('auto_color', () => {
  it.each(GOOD_PHOTOS)('leaves %s alone: its backdrop is neutral', async (name) => {
    const img = await photo(name);
    const { image, report } = autoColour(img);
    expect(report.applied).toBe(false);
    expect(image).toBe(img);
  });

  it.each([
    ['warm', [1, 0.93, 0.8]],
    ['cool', [0.85, 0.95, 1]],
  ] as const)('removes a %s cast measured from the white patch', async (_, gains) => {
    const original = await photo('magento_mb01-blue-0.jpg');
    const cast = colourCast(original, gains);
    const { image, report } = autoColour(cast);
    expect(report.source).toBe('white_patch');
    expect(meanDeltaE(cast, original)).toBeGreaterThan(3);
    expect(meanDeltaE(image, original)).toBeLessThan(0.5);
  });

  it('does not read a colourful product as a cast', () => {
    // A red object filling most of the frame, with a small neutral grey card: no white patch, grey pixels
    // say neutral.
    const img = paint(96, 96, (x, y) => (x < 24 && y < 24 ? [128, 128, 128, 255] : [200, 40, 30, 255]));
    const report = measureWhiteBalance(img);
    expect(report.applied).toBe(false);
  });
});
