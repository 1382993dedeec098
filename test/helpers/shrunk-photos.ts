/**
 * A supplier's small photo made from a good one, with the original kept as ground truth: shrunk by an
 * integer factor (box mean, or sharp's antialiased bicubic) and saved as JPEG. One piece for the
 * super-resolution tests (test/processors/enhance/*) and `bench/eval-sr.ts`, so both degrade alike.
 */
import sharp, { type Sharp } from 'sharp';
import type { RawImage } from '../../src/processors/types.js';

/** How the original is shrunk: `area` is the box mean, `cubic` sharp's antialiased bicubic. */
export type Shrink = 'area' | 'cubic';

/** Runs a sharp pipeline to 8-bit RGBA. */
export async function rgbaOf(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

/** Box-mean shrink by an integer factor (width and height must divide). */
export function areaShrink(img: RawImage, f: number): RawImage {
  const w = img.width / f;
  const h = img.height / f;
  const out = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let j = 0; j < f; j++)
          for (let i = 0; i < f; i++) s += img.data[((y * f + j) * img.width + x * f + i) * 4 + c]!;
        out[(y * w + x) * 4 + c] = Math.round(s / (f * f));
      }
    }
  }
  return { data: out, width: w, height: h, channels: 4 };
}

/** Encodes as JPEG at `quality` (flattened on white) and decodes again, as a supplier's photo arrives. */
export async function jpegRoundTrip(img: RawImage, quality = 85): Promise<RawImage> {
  const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality })
    .toBuffer();
  return rgbaOf(sharp(jpeg));
}

/** `original` shrunk by `factor` (its sides must divide) with `shrink`, then a JPEG round trip at `quality`. */
export async function shrinkLikeSupplier(
  original: RawImage,
  factor: number,
  shrink: Shrink = 'area',
  quality = 85,
): Promise<RawImage> {
  const { width: w, height: h } = original;
  const small =
    shrink === 'area'
      ? areaShrink(original, factor)
      : await rgbaOf(
          sharp(original.data, { raw: { width: w, height: h, channels: 4 } }).resize(w / factor, h / factor, {
            kernel: 'cubic',
            fit: 'fill',
          }),
        );
  return jpegRoundTrip(small, quality);
}
