/**
 * Perceptual comparison of decoded images, for tests that must not compare bytes (encoders and resamplers
 * change bytes without changing the picture). Thresholds are named so a test says what it claims:
 * IDENTICAL for exact copies, NEAR_LOSSLESS for resampling/crop of the same region, SIMILAR for lossy output.
 */
import type { RawImage } from '../../src/processors/types.js';

/** PSNR in dB (8-bit peak 255) above which two images are, for our purposes, the same pixels. */
export const PSNR_IDENTICAL = 50;
/** Same picture after a different resampler or one lossless round trip. */
export const PSNR_NEAR_LOSSLESS = 40;
/** Same picture after lossy encoding (JPEG q90 of product photos lands around 38–45 dB). */
export const PSNR_SIMILAR = 30;

/** Anything with raw pixels: a RawImage or the three-channel output of a decoder. */
export interface Pixels {
  readonly data: Buffer | Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

function assertComparable(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `cannot compare ${a.width}×${a.height}×${a.channels} with ${b.width}×${b.height}×${b.channels}`,
    );
  }
}

/** Mean squared error over every channel of every pixel. */
export function meanSquaredError(a: Pixels, b: Pixels): number {
  assertComparable(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    sum += d * d;
  }
  return sum / a.data.length;
}

/** Peak signal-to-noise ratio in dB; Infinity for identical pixels. */
export function psnr(a: Pixels | RawImage, b: Pixels | RawImage): number {
  const mse = meanSquaredError(a, b);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/** Mean absolute difference per channel value, 0–255. */
export function meanAbsDiff(a: Pixels | RawImage, b: Pixels | RawImage): number {
  assertComparable(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** The pixel at (x, y) as an array of its channels. */
export function pixelAt(image: Pixels, x: number, y: number): number[] {
  const at = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(at, at + image.channels));
}
