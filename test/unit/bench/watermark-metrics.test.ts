/**
 * The watermark scores that eval:wm prints: the split of the error left inside the mark between pixels the
 * output left alone (missed) and pixels it changed (restored imperfectly), and the share of the mark touched.
 */
import { describe, expect, it } from 'vitest';
import { scoreRemoval } from '../../../bench/watermark/metrics.js';
import type { RawImage } from '../../../src/processors/types.js';

function flat(width: number, height: number, value: number): RawImage {
  const data = Buffer.alloc(width * height * 4, value);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width, height, channels: 4 };
}

function setPixel(image: RawImage, x: number, y: number, value: number): void {
  const j = (y * image.width + x) * 4;
  image.data[j] = image.data[j + 1] = image.data[j + 2] = value;
}

describe('scoreRemoval', () => {
  // A 40×10 white image with two marked pixels, far enough apart that their grown masks do not meet.
  const clean = flat(40, 10, 200);
  const input = flat(40, 10, 200);
  setPixel(input, 5, 5, 150);
  setPixel(input, 30, 5, 150);
  const mask = new Uint8Array(400);
  mask[5 * 40 + 5] = 1;
  mask[5 * 40 + 30] = 1;

  it('puts the error of a mark left alone in the missed share', () => {
    // The first mark is restored half-way (error 25), the second is untouched (error 50): 2500 of 3125 missed.
    const output = flat(40, 10, 200);
    setPixel(output, 5, 5, 175);
    setPixel(output, 30, 5, 150);
    const score = scoreRemoval(input, output, clean, mask);
    expect(score.missedShare).toBeCloseTo(2500 / (2500 + 625), 6);
    expect(score.gainDb).toBeGreaterThan(0);
  });

  it('is zero when every marked pixel was changed, and null when nothing is left to explain', () => {
    const imperfect = flat(40, 10, 200);
    setPixel(imperfect, 5, 5, 190);
    setPixel(imperfect, 30, 5, 190);
    expect(scoreRemoval(input, imperfect, clean, mask).missedShare).toBe(0);
    expect(scoreRemoval(input, flat(40, 10, 200), clean, mask).missedShare).toBeNull();
    expect(scoreRemoval(input, input, null, null).missedShare).toBeNull();
  });

  it('counts the marked pixels changed by more than 2 levels as touched, with or without a clean original', () => {
    const output = flat(40, 10, 200);
    setPixel(output, 5, 5, 152);
    setPixel(output, 30, 5, 150);
    // One of the two marked pixels moved by 2 levels only: neither counts; then one moves by 50.
    expect(scoreRemoval(input, output, null, mask).touchedShare).toBe(0);
    setPixel(output, 5, 5, 200);
    expect(scoreRemoval(input, output, null, mask).touchedShare).toBe(0.5);
    expect(scoreRemoval(input, output, clean, mask).touchedShare).toBe(0.5);
    expect(scoreRemoval(input, output, null, null).touchedShare).toBeNull();
  });
});
