/**
 * The signal a tiled mark is sought in: luminance, and its fine detail (high-pass) with strong edges clipped.
 * A faint mark moves the picture by a few tens of levels at its strokes' edges; a product's contour by up to
 * 255, which would otherwise outweigh every copy of the mark together.
 */
import { boxSum } from '../box-sum.js';
import type { RawImage } from '../types.js';

/** Radius of the mean the detail is measured against: a stroke's width at the scales searched. */
const DETAIL_RADIUS = 2;
/** Detail beyond this many levels is clipped. */
const DETAIL_CLIP = 30;

/** Rec. 601 luminance, averaged over `factor × factor` blocks (1: full resolution). */
export function luminance(image: RawImage, factor: number): Float32Array {
  const { data, width: W } = image;
  const w = Math.floor(W / factor);
  const h = Math.floor(image.height / factor);
  const out = new Float32Array(w * h);
  const norm = 1 / (factor * factor);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let yy = y * factor; yy < (y + 1) * factor; yy++)
        for (let xx = x * factor; xx < (x + 1) * factor; xx++) {
          const o = 4 * (yy * W + xx);
          s += 0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!;
        }
      out[y * w + x] = s * norm;
    }
  return out;
}

/**
 * Luminance minus its local mean (`mean`, from `localMean`), clipped to ±DETAIL_CLIP: for correlations, where
 * a product's contour would outweigh every copy of a faint mark together.
 *
 * With a `pivot` level, the detail is turned to the sign of `pivot − mean` (and dropped where the ground is
 * within MIN_PIVOT_CONTRAST of it): a grey mark darkens a white backdrop and lightens a dark product, so its
 * copies on the two anti-correlate and cancel in the plain detail's correlations; seen against grey, every
 * copy has the same sign. A white or a black mark needs no pivot: it lies on one side of every ground.
 */
export function highPass(lum: Float32Array, mean: Float32Array, pivot?: number): Float32Array {
  const out = new Float32Array(lum.length);
  for (let i = 0; i < lum.length; i++) {
    const d = lum[i]! - mean[i]!;
    const clipped = d > DETAIL_CLIP ? DETAIL_CLIP : d < -DETAIL_CLIP ? -DETAIL_CLIP : d;
    if (pivot === undefined) out[i] = clipped;
    else {
      const contrast = pivot - mean[i]!;
      out[i] = Math.abs(contrast) < MIN_PIVOT_CONTRAST ? 0 : contrast > 0 ? clipped : -clipped;
    }
  }
  return out;
}

/** Ground this close to the pivot level says nothing of which way a mark moves it. */
export const MIN_PIVOT_CONTRAST = 20;

/** The mean of the (2·DETAIL_RADIUS + 1)² window around each pixel (within the image). */
export function localMean(lum: Float32Array, width: number, height: number): Float32Array {
  const r = DETAIL_RADIUS;
  const sums = boxSum(lum, width, height, r, new Float32Array(lum.length), new Float32Array(lum.length));
  // The window's pixels inside the image: its width there times its height there.
  const across = (n: number, at: number) => Math.min(n - 1, at + r) - Math.max(0, at - r) + 1;
  const widths = Int32Array.from({ length: width }, (_, x) => across(width, x));
  for (let y = 0; y < height; y++) {
    const rows = across(height, y);
    for (let x = 0; x < width; x++) sums[y * width + x] = sums[y * width + x]! / (rows * widths[x]!);
  }
  return sums;
}
