/**
 * Single-channel float maps (masks, alphas, filter coefficients) and the two operations every matting step
 * needs: a box mean of any radius in O(1) per pixel, and bilinear resampling with pixel centres aligned
 * (the `half_pixel` convention of onnxruntime's and sharp's resizers).
 */
import type { FloatMap } from '../../models/salient-model.js';

export type { FloatMap };

export function floatMap(width: number, height: number, data = new Float32Array(width * height)): FloatMap {
  return { data, width, height };
}

/**
 * Mean over the (2r+1)×(2r+1) window around each pixel, the window clipped at the borders (so edge pixels
 * average fewer values rather than a padding). Separable running sums: O(width·height) for any r.
 */
export function boxMean(
  src: Float32Array,
  width: number,
  height: number,
  r: number,
  out?: Float32Array,
): Float32Array {
  const tmp = new Float32Array(width * height);
  const dst = out ?? new Float32Array(width * height);
  // Horizontal pass: running sum along each row.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    const hi0 = Math.min(r, width - 1);
    for (let x = 0; x <= hi0; x++) sum += src[row + x]!;
    for (let x = 0; x < width; x++) {
      const lo = x - r;
      const hi = x + r;
      const count = Math.min(hi, width - 1) - Math.max(lo, 0) + 1;
      tmp[row + x] = sum / count;
      if (hi + 1 < width) sum += src[row + hi + 1]!;
      if (lo >= 0) sum -= src[row + lo]!;
    }
  }
  // Vertical pass over the row means, all columns at once to stay cache-friendly.
  const acc = new Float64Array(width);
  const hi0 = Math.min(r, height - 1);
  for (let y = 0; y <= hi0; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) acc[x]! += tmp[row + x]!;
  }
  for (let y = 0; y < height; y++) {
    const lo = y - r;
    const hi = y + r;
    const count = Math.min(hi, height - 1) - Math.max(lo, 0) + 1;
    const row = y * width;
    for (let x = 0; x < width; x++) dst[row + x] = acc[x]! / count;
    if (hi + 1 < height) {
      const add = (hi + 1) * width;
      for (let x = 0; x < width; x++) acc[x]! += tmp[add + x]!;
    }
    if (lo >= 0) {
      const sub = lo * width;
      for (let x = 0; x < width; x++) acc[x]! -= tmp[sub + x]!;
    }
  }
  return dst;
}

/** Bilinear resampling to width×height, pixel centres aligned (no half-pixel shift at any scale). */
export function resizeBilinear(src: FloatMap, width: number, height: number): FloatMap {
  const out = new Float32Array(width * height);
  const sx = src.width / width;
  const sy = src.height / height;
  const xs0 = new Int32Array(width);
  const xs1 = new Int32Array(width);
  const xw = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), src.width - 1);
    const x0 = Math.floor(fx);
    xs0[x] = x0;
    xs1[x] = Math.min(x0 + 1, src.width - 1);
    xw[x] = fx - x0;
  }
  const s = src.data;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), src.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    const r0 = y0 * src.width;
    const r1 = y1 * src.width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = xs0[x]!;
      const b = xs1[x]!;
      const w = xw[x]!;
      const top = s[r0 + a]! + (s[r0 + b]! - s[r0 + a]!) * w;
      const bottom = s[r1 + a]! + (s[r1 + b]! - s[r1 + a]!) * w;
      out[row + x] = top + (bottom - top) * wy;
    }
  }
  return { data: out, width, height };
}
