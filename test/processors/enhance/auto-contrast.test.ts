/** `auto_contrast` on real product photos: undoes a contrast or exposure loss, leaves good photos alone. */
import { describe, expect, it } from 'vitest';
import { autoContrast, measureLevels } from '../../../src/processors/enhance/auto-contrast.js';
import { lowerContrast, scaleExposure } from '../../helpers/degradations.js';
import { meanDeltaE } from '../../helpers/image-metrics.js';
import { paint } from '../../helpers/synthetic-images.js';
import { GOOD_PHOTOS, photo, photoWithAlpha } from './photos.js';

describe('auto_contrast', () => {
  it.each(GOOD_PHOTOS)('leaves %s alone: it reaches white', async (name) => {
    const img = await photo(name);
    const { image, report } = autoContrast(img);
    expect(report).toMatchObject({ applied: false, case: 'reaches_white' });
    expect(image).toBe(img);
  });

  it('undoes a contrast loss around mid-grey', async () => {
    const original = await photo('magento_mb04-black-0.jpg');
    const flat = lowerContrast(original, 0.75);
    const { image, report } = autoContrast(flat);
    expect(report.case).toBe('washed_out');
    expect(meanDeltaE(flat, original)).toBeGreaterThan(4);
    expect(meanDeltaE(image, original)).toBeLessThan(0.5);
  });

  it('brightens a dim photo whose backdrop went grey', async () => {
    const original = await photo('magento_mb05-black-0.jpg');
    const dim = scaleExposure(original, 0.8);
    const { image, report } = autoContrast(dim);
    expect(report.case).toBe('dim_backdrop');
    expect(meanDeltaE(image, original)).toBeLessThan(meanDeltaE(dim, original) / 4);
  });

  it('leaves a cut-out product with no white and no black in it alone', async () => {
    // A red cap on transparency: white point 245, black point 48, and no backdrop to say either is wrong.
    const cap = await photoWithAlpha('solidus_cap_red_1.png');
    expect(measureLevels(cap)).toMatchObject({ applied: false, case: 'no_backdrop' });
  });

  it('does not stretch the noise of a flat image', () => {
    let seed = 1;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed % 7) - 3;
    };
    const fog = paint(64, 64, () => {
      const v = 150 + noise();
      return [v, v, v, 255];
    });
    expect(measureLevels(fog)).toMatchObject({ applied: false, case: 'flat' });
  });
});
