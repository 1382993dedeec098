/** `denoise` on real product photos: measures the noise, removes it, keeps edges, leaves clean photos. */
import { describe, expect, it } from 'vitest';
import { denoise, estimateNoise } from '../../../src/processors/enhance/denoise.js';
import { addGaussianNoise } from '../../helpers/degradations.js';
import { meanDeltaE, psnrRgb } from '../../helpers/image-metrics.js';
import { edgeEnergy, photo, UNCHANGED_DE } from './photos.js';

describe('denoise', () => {
  it('measures the noise it is given', async () => {
    const original = await photo('magento_mb02-gray-0.jpg');
    expect(estimateNoise(original)).toBeLessThan(2.5);
    expect(estimateNoise(addGaussianNoise(original, 8))).toBeGreaterThan(6.5);
    expect(estimateNoise(addGaussianNoise(original, 8))).toBeLessThan(10);
  });

  it('removes Gaussian noise and keeps edges (non-local means, not a blur)', async () => {
    const original = await photo('magento_mb03-black-0.jpg');
    const noisy = addGaussianNoise(original, 8);
    const { image, report } = denoise(noisy);
    expect(report.applied).toBe(true);
    // Measured: 31.4 → 36.3 dB on this photo.
    expect(psnrRgb(image, original)).toBeGreaterThan(psnrRgb(noisy, original) + 3);
    // A blur of the same noise reduction loses the edges; NLM keeps the edge contrast of the original.
    expect(edgeEnergy(image)).toBeGreaterThan(0.8 * edgeEnergy(original));
  });

  it('leaves a clean photo clean', async () => {
    const original = await photo('magento_mb02-gray-0.jpg');
    const { image } = denoise(original);
    expect(meanDeltaE(image, original)).toBeLessThan(UNCHANGED_DE);
  });
});
