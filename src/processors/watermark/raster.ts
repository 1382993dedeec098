/**
 * Small raster tools the watermark helpers share: binary morphology and mask scaling (connected components are in
 * ../connected-components.ts).
 * Plain typed-array loops, O(pixels) each, no allocation per pixel.
 */

import { boxSum } from '../box-sum.js';

export type { Box, Component } from '../connected-components.js';

/** How many pixels of a mask are set (its values are 0 or 1). */
export function countSet(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** 1 where a value is above `level`: the strokes of a coverage map (level 0.5), or every pixel it touches (0). */
export function maskAbove(values: ArrayLike<number>, level: number): Uint8Array {
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < mask.length; i++) mask[i] = values[i]! > level ? 1 : 0;
  return mask;
}

/** Binary dilation by a square of radius r: 1 where a set pixel lies within r (Chebyshev) in the image. */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  return dilateColumns(nearAlongRows(mask, width, height, r, true, false), width, height, r);
}

/** The column half of `dilate`: 1 where a set pixel lies within r along the column (for a mask dilated along rows). */
export function dilateColumns(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  return r <= 0 ? mask.slice() : nearAlongColumns(mask, width, height, r, false);
}

/** Binary erosion by a square of radius r: 1 where the whole window lies in the image and is set. */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  // Outside the image counts as unset: 1 where no unset pixel lies within r, the complement of its dilation.
  const nearUnset = nearAlongColumns(
    nearAlongRows(mask, width, height, r, false, true),
    width,
    height,
    r,
    true,
  );
  for (let i = 0; i < nearUnset.length; i++) nearUnset[i] = 1 - nearUnset[i]!;
  return nearUnset;
}

/*
 * Dilation and erosion track the nearest pixel sought along each row, then the nearest row along each column
 * (one sweep each way): a few byte operations per pixel, where a window count costs two Int32 passes and a
 * threshold (4–7× the time on a megapixel mask). `outside` makes the pixels beyond the edge count as sought.
 */

/** 1 where a pixel that is set (`set`) or unset (`!set`) lies within r along the row. */
function nearAlongRows(
  src: Uint8Array,
  width: number,
  height: number,
  r: number,
  set: boolean,
  outside: boolean,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const before = outside ? -1 : -r - 1;
  const after = outside ? width : width + r + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let last = before;
    for (let x = 0; x < width; x++) {
      if ((src[row + x] !== 0) === set) last = x;
      if (x - last <= r) out[row + x] = 1;
    }
    let next = after;
    for (let x = width - 1; x >= 0; x--) {
      if ((src[row + x] !== 0) === set) next = x;
      if (next - x <= r) out[row + x] = 1;
    }
  }
  return out;
}

/** 1 where a set pixel of `src` lies within r along the column; rows in order, one tracker per column. */
function nearAlongColumns(
  src: Uint8Array,
  width: number,
  height: number,
  r: number,
  outside: boolean,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const track = new Int32Array(width).fill(outside ? -1 : -r - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (src[row + x] !== 0) track[x] = y;
      if (y - track[x]! <= r) out[row + x] = 1;
    }
  }
  track.fill(outside ? height : height + r + 1);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (src[row + x] !== 0) track[x] = y;
      if (track[x]! - y <= r) out[row + x] = 1;
    }
  }
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
