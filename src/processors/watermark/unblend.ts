/**
 * Inverts the blend: `original = (marked − α·s·c) / (1 − α·s)` per pixel, with the region's opacity α and
 * colour c and the pixel's coverage s. Exact where the model is right, up to the input's noise amplified by
 * 1/(1 − α·s); where α·s is near 1 the division would amplify noise past use, so those pixels are handed back
 * as opaque for inpainting instead.
 */
import type { RawImage } from '../types.js';
import type { RegionAnalysis } from './analyse-region.js';
import { clamp } from './raster.js';

/** A channel `marked` with the blend of opacity `as` (α·s) and ink `colour` inverted, as an 8-bit level. */
export function unblended(marked: number, as: number, colour: number): number {
  return clamp(Math.round((marked - as * colour) / (1 - as)), 0, 255);
}

/** Writes the unblended region into `out`; returns the region's pixels too opaque to invert (1 = opaque). */
export function unblendInto(out: Buffer, image: RawImage, a: RegionAnalysis, maxAlpha: number): Uint8Array {
  const opaque = new Uint8Array(a.width * a.height);
  const { alpha, colour } = a.model;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = y * a.width + x;
      const s = a.coverage[i]!;
      if (s <= 0) continue;
      const as = alpha * s;
      if (as > maxAlpha) {
        opaque[i] = 1;
        continue;
      }
      const j = ((y + a.box.y0) * image.width + x + a.box.x0) * 4;
      for (let k = 0; k < 3; k++) out[j + k] = unblended(a.pixels[k]![i]!, as, colour[k]!);
    }
  }
  return opaque;
}
