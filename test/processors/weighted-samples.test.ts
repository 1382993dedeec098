/**
 * The weighted median by selection against its definition, worked out by sorting: the smallest value whose
 * weight, with that of every value below it, reaches half the total.
 */
import { describe, expect, it } from 'vitest';
import { Samples } from '../../src/processors/watermark/weighted-samples.js';
import { seededUniform } from '../helpers/seeded-uniform.js';

function bySorting(values: number[], weights: number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (const i of order) {
    acc += weights[i]!;
    if (acc >= total / 2) return values[i]!;
  }
  return values[order[order.length - 1]!]!;
}

describe('Samples.weightedMedian', () => {
  it('matches the sorted definition on random samples, with ties, every other sample and one alone', () => {
    const random = seededUniform(7);
    const samples = new Samples(300);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(random() * 300);
      // Values on a coarse grid half the time, so that ties are common.
      const coarse = random() < 0.5;
      const values = Array.from({ length: n }, () => (coarse ? Math.round(random() * 8) : random() * 2 - 1));
      // Weights that are powers of two add up exactly in any order, so both agree on ties at exactly half.
      const weights = Array.from({ length: n }, () => 2 ** Math.floor(random() * 4));
      samples.clear();
      for (let i = 0; i < n; i++) samples.push(values[i]!, weights[i]!);
      expect(samples.weightedMedian(0, 1)).toBe(bySorting(values, weights));
      const odd = values.filter((_, i) => i % 2 === 1);
      if (odd.length > 0)
        expect(samples.weightedMedian(1, 2)).toBe(
          bySorting(
            odd,
            weights.filter((_, i) => i % 2 === 1),
          ),
        );
    }
  });

  it('is 0 with no samples', () => {
    expect(new Samples(4).weightedMedian(0, 1)).toBe(0);
  });
});
