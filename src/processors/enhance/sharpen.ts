/**
 * `sharpen`: an unsharp mask on luminance only, with the seed's mapping from `sharpen_amount`:
 *
 *   radius = 1 + 0.5·amount   (Gaussian σ in px, as PIL's UnsharpMask radius)
 *   percent = 50 + 50·amount  (how much of the detail is added back)
 *   threshold = 3             (levels: smaller differences are left alone, so flat noise is not boosted)
 *
 * The blur is libvips' (through sharp), on a 16-bit luma plane: at ×4 the output has 16 pixels per input
 * pixel, and a JavaScript blur cost more than the rest of the upscale's post-processing.
 *
 * The seed sharpened R, G and B separately, which puts coloured halos on every edge whose channels move
 * differently (a red product on white gets cyan fringes). Here the detail is taken from luma (BT.601) and
 * the same amount is added to R, G and B, so edges get crisper and colours stay where they were.
 */
import sharp from 'sharp';
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

/** Gaussian blur of a 16-bit single-channel image by libvips (SIMD, on its own threads). */
async function blur16(luma: Uint16Array, width: number, height: number, sigma: number): Promise<Uint16Array> {
  const { data } = await sharp(luma, { raw: { width, height, channels: 1 } })
    .blur(sigma)
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  return new Uint16Array(data.buffer, data.byteOffset, width * height);
}

/** Sharpens by `amount` (0–3); 0 returns the image unchanged. */
export async function sharpen(
  image: RawImage,
  amount: number,
): Promise<{ image: RawImage; settings: SharpenSettings | null }> {
  if (amount <= 0) return { image, settings: null };
  const settings = sharpenSettings(amount);
  const { width: w, height: h, data: d } = image;
  const n = w * h;
  // Luma in 1/256 levels: 16 bits keep the detail much finer than the 3-level threshold.
  const luma = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    luma[i] = Math.round((0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!) * 256);
  }
  const blurred = await blur16(luma, w, h, settings.radius);
  const gain = settings.percent / 100;
  const out = Buffer.from(d);
  for (let i = 0; i < n; i++) {
    const detail = (luma[i]! - blurred[i]!) / 256;
    if (Math.abs(detail) <= settings.threshold) continue;
    const delta = detail * gain;
    for (let c = 0; c < 3; c++) {
      const v = d[i * 4 + c]! + delta;
      out[i * 4 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { image: { ...image, data: out }, settings };
}
