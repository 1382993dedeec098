/**
 * Small raster tools the watermark helpers share: binary morphology and mask scaling (connected components are in
 * ../connected-components.ts).
 * Plain typed-array loops, O(pixels) each, no allocation per pixel.
 */

import { boxSum } from '../box-sum.js';

export type { Box, Component } from '../connected-components.js';

/** 1 where a value is above `level`: the strokes of a coverage map (level 0.5), or every pixel it touches (0). */
export function maskAbove(values: ArrayLike<number>, level: number): Uint8Array {
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < mask.length; i++) mask[i] = values[i]! > level ? 1 : 0;
  return mask;
}

/** Binary dilation by a square of radius r (separable running count). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  return threshold(boxCount(mask, width, height, r), 1);
}

/** Binary erosion by a square of radius r. */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  return threshold(boxCount(mask, width, height, r), (2 * r + 1) * (2 * r + 1));
}

function threshold(count: Int32Array, atLeast: number): Uint8Array {
  const out = new Uint8Array(count.length);
  for (let i = 0; i < count.length; i++) out[i] = count[i]! >= atLeast ? 1 : 0;
  return out;
}

/** Count of set pixels in each (2r+1)² window; outside the image counts as unset. */
export function boxCount(mask: Uint8Array, width: number, height: number, r: number): Int32Array {
  return boxSum(mask, width, height, r, new Int32Array(mask.length), new Int32Array(mask.length));
}

/** Nearest-neighbour upscale of a small mask to the image size. */
export function upscaleMask(
  mask: Uint8Array,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Uint8Array {
  const out = new Uint8Array(toWidth * toHeight);
  for (let y = 0; y < toHeight; y++) {
    const sy = Math.min(height - 1, Math.floor((y * height) / toHeight));
    for (let x = 0; x < toWidth; x++) {
      const sx = Math.min(width - 1, Math.floor((x * width) / toWidth));
      out[y * toWidth + x] = mask[sy * width + sx]!;
    }
  }
  return out;
}

export const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
