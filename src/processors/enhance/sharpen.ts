/**
 * `sharpen`: an unsharp mask on luminance only, with the seed's mapping from `sharpen_amount`:
 *
 *   radius = 1 + 0.5·amount   (Gaussian σ in px, as PIL's UnsharpMask radius)
 *   percent = 50 + 50·amount  (how much of the detail is added back)
 *   threshold = 3             (levels: smaller differences are left alone, so flat noise is not boosted)
 *
 * The seed sharpened R, G and B separately, which puts coloured halos on every edge whose channels move
 * differently (a red product on white gets cyan fringes). Here the detail is taken from luma (BT.601) and
 * the same amount is added to R, G and B, so edges get crisper and colours stay where they were.
 */
import type { RawImage } from '../types.js';

export interface SharpenSettings {
  readonly radius: number;
  readonly percent: number;
  readonly threshold: number;
}

/** The seed's `_sharpen` mapping. */
export function sharpenSettings(amount: number): SharpenSettings {
  return { radius: 1 + amount * 0.5, percent: Math.trunc(50 + amount * 50), threshold: 3 };
}

function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    s += k[i + r]!;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/** Separable Gaussian blur with clamped borders. */
function blur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const mid = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = -r; t <= r; t++) s += src[row + Math.min(w - 1, Math.max(0, x + t))]! * k[t + r]!;
      mid[row + x] = s;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = -r; t <= r; t++) s += mid[Math.min(h - 1, Math.max(0, y + t)) * w + x]! * k[t + r]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Sharpens by `amount` (0–3); 0 returns the image unchanged. */
export function sharpen(
  image: RawImage,
  amount: number,
): { image: RawImage; settings: SharpenSettings | null } {
  if (amount <= 0) return { image, settings: null };
  const settings = sharpenSettings(amount);
  const { width: w, height: h, data: d } = image;
  const n = w * h;
  const luma = new Float32Array(n);
  for (let i = 0; i < n; i++) luma[i] = 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
  const blurred = blur(luma, w, h, settings.radius);
  const gain = settings.percent / 100;
  const out = Buffer.from(d);
  for (let i = 0; i < n; i++) {
    const detail = luma[i]! - blurred[i]!;
    if (Math.abs(detail) <= settings.threshold) continue;
    const delta = detail * gain;
    for (let c = 0; c < 3; c++) {
      const v = d[i * 4 + c]! + delta;
      out[i * 4 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { image: { ...image, data: out }, settings };
}
