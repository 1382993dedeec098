/** The k-th smallest by selection against a sort, on random values with and without ties. */
import { describe, expect, it } from 'vitest';
import { nthSmallest } from '../../src/processors/watermark/nth-smallest.js';
import { seededUniform } from '../helpers/seeded-uniform.js';

describe('nthSmallest', () => {
  it('matches the sorted array at every rank tried, with ties and without', () => {
    const random = seededUniform(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 500);
      // Values on a coarse grid half the time, so that ties are common.
      const coarse = random() < 0.5;
      const values = Float32Array.from({ length: n }, () =>
        coarse ? Math.round(random() * 6) : random() * 2 - 1,
      );
      const sorted = Float32Array.from(values).sort();
      for (const k of [0, n >> 1, Math.floor(0.99 * n), n - 1, Math.floor(random() * n)])
        expect(nthSmallest(Float32Array.from(values), k)).toBe(sorted[k]);
    }
  });
});
