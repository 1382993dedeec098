/**
 * Un-blending must not draw an edge the photo did not have. Where a piece of coverage really is the mark, its
 * outline steps less once the blend is inverted than before (the letter's edge fades into the ground). Where it
 * is the product taken for the mark (a bright bezel cut off by a text line's band, pale sky under a white
 * blend), inverting it darkens or stains a patch whose outline steps more than before. Such pieces are handed
 * back whole: the pixels around them are the evidence, and they were never in question.
 */
import { labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { NOISE_LEVELS, type RegionAnalysis, strokePixelsOf } from './analyse-region.js';
import { unblended } from './unblend.js';

/** How much more a piece's outline may step after un-blending than before (sum of squares over its outline). */
const SEAM_GROWTH = 2;
/** Step per outline pair taken as JPEG noise, levels per channel: below it an outline has no edge to compare. */
const SEAM_FLOOR = 2 * NOISE_LEVELS;

export interface SeamCheck {
  readonly analysis: RegionAnalysis;
  /** Pieces handed back, and their pixels. */
  readonly pieces: number;
  readonly pixels: number;
}

/**
 * `a` without the pieces of coverage (8-connected) whose un-blended outline would step more than the input's
 * does, against the input's pixels just outside them. Pixels too opaque to un-blend (`maxAlpha`) are inpainted
 * later and not compared.
 */
export function withoutNewSeams(image: RawImage, a: RegionAnalysis, maxAlpha: number): SeamCheck {
  const { width: w, height: h, coverage: s, box } = a;
  const { alpha, colour } = a.model;
  const { labels, components } = labelComponents(w, h, (i) => s[i]! > 0);
  const n = components.length;
  if (n === 0) return { analysis: a, pieces: 0, pixels: 0 };
  const before = new Float64Array(n + 1);
  const after = new Float64Array(n + 1);
  const pairs = new Int32Array(n + 1);
  const restored = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const l = labels[i]!;
      if (!l) continue;
      const as = alpha * s[i]!;
      if (as > maxAlpha) continue;
      // What unblendInto will write there.
      for (let k = 0; k < 3; k++) restored[k] = unblended(a.pixels[k]![i]!, as, colour[k]!);
      const gx = x + box.x0;
      const gy = y + box.y0;
      for (const [dx, dy] of STEPS) {
        const qx = gx + dx;
        const qy = gy + dy;
        if (qx < 0 || qy < 0 || qx >= image.width || qy >= image.height) continue;
        const lx = qx - box.x0;
        const ly = qy - box.y0;
        // Its neighbour in the piece is no outline; one outside the box is uncovered.
        if (lx >= 0 && ly >= 0 && lx < w && ly < h && s[ly * w + lx]! > 0) continue;
        const j = (qy * image.width + qx) * 4;
        for (let k = 0; k < 3; k++) {
          const outside = image.data[j + k]!;
          const d0 = a.pixels[k]![i]! - outside;
          const d1 = restored[k]! - outside;
          before[l]! += d0 * d0;
          after[l]! += d1 * d1;
        }
        pairs[l]!++;
      }
    }
  }
  const drop = new Uint8Array(n + 1);
  let pieces = 0;
  let pixels = 0;
  const floor = 3 * SEAM_FLOOR * SEAM_FLOOR;
  for (let l = 1; l <= n; l++) {
    if (after[l]! <= SEAM_GROWTH * before[l]! + floor * pairs[l]!) continue;
    drop[l] = 1;
    pieces++;
    pixels += components[l - 1]!.area;
  }
  if (pieces === 0) return { analysis: a, pieces: 0, pixels: 0 };
  const coverage = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) if (!drop[labels[i]!]) coverage[i] = s[i]!;
  return { analysis: { ...a, coverage, strokePixels: strokePixelsOf(coverage) }, pieces, pixels };
}

const STEPS = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
] as const;
