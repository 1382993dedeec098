/**
 * Is this a studio shot, where the small model provably suffices? `model: auto` asks before it spends
 * 1.5 s on ISNet. A studio shot has a plain backdrop (the frame's outer ring is one smooth colour: white,
 * grey, a colour or a paper sweep) and the small model's mask is confident (few undecided pixels) and
 * away from the frame. On ../shared/datasets/product-composites and products, every shot that passes this
 * test is one where U²-Net-p's cut-out is as good as ISNet's (bench/eval-bg.ts prints both).
 */
import type { FloatMap } from '../models/salient-model.js';

export interface StudioVerdict {
  readonly studio: boolean;
  /** Mean absolute difference between neighbouring ring pixels, 0–255 (texture of the backdrop). */
  readonly ringRoughness: number;
  /** Share of the mask's pixels the model is undecided about (0.1 < p < 0.9). */
  readonly undecided: number;
  /** Share of the ring the mask covers. */
  readonly ringCovered: number;
}

const LIMITS = { ringRoughness: 2.5, undecided: 0.08, ringCovered: 0.02 } as const;

/** `rgb` is the full picture (3 bytes per pixel); `mask` the small model's map (any size). */
export function isStudioShot(rgb: Uint8Array, width: number, height: number, mask: FloatMap): StudioVerdict {
  const ring = Math.max(2, Math.round(Math.min(width, height) * 0.03));
  // Backdrop texture: mean |difference| between horizontal neighbours in the outer ring.
  let diff = 0;
  let pairs = 0;
  for (let y = 0; y < height; y++) {
    const inRingRow = y < ring || y >= height - ring;
    for (let x = 1; x < width; x++) {
      if (!inRingRow && x >= ring && x < width - ring) continue;
      const i = (y * width + x) * 3;
      diff +=
        Math.abs(rgb[i]! - rgb[i - 3]!) +
        Math.abs(rgb[i + 1]! - rgb[i - 2]!) +
        Math.abs(rgb[i + 2]! - rgb[i - 1]!);
      pairs += 3;
    }
  }
  // Mask confidence and contact with the frame, at the mask's own resolution.
  const { data, width: mw, height: mh } = mask;
  const mRing = Math.max(1, Math.round(Math.min(mw, mh) * 0.03));
  let fg = 0;
  let undecided = 0;
  let ringPixels = 0;
  let ringCovered = 0;
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      const v = data[y * mw + x]!;
      if (v > 0.1) fg++;
      if (v > 0.1 && v < 0.9) undecided++;
      if (y < mRing || y >= mh - mRing || x < mRing || x >= mw - mRing) {
        ringPixels++;
        if (v > 0.5) ringCovered++;
      }
    }
  }
  const verdict = {
    ringRoughness: pairs ? diff / pairs : 0,
    undecided: fg ? undecided / fg : 1,
    ringCovered: ringPixels ? ringCovered / ringPixels : 0,
  };
  return {
    ...verdict,
    studio:
      fg > 0 &&
      verdict.ringRoughness <= LIMITS.ringRoughness &&
      verdict.undecided <= LIMITS.undecided &&
      verdict.ringCovered <= LIMITS.ringCovered,
  };
}
