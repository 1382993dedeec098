/**
 * Does the small model suffice for this picture? `model: auto` asks before it spends over a second on ISNet.
 * Yes only for a studio shot the small model has clearly understood:
 * - a plain backdrop: the frame's outer ring is one smooth colour (white, grey, a colour);
 * - a confident mask: few undecided pixels, away from the frame;
 * - no backdrop inside the mask: U²-Net-p tends to fill openings (a watch strap's loop, a handle) with
 *   confidence, and such an opening shows the backdrop's colour; a mask holding backdrop-coloured pixels
 *   goes to ISNet.
 * On ../shared/datasets/products, every shot that passes agrees with the ISNet cut-out at IoU ≥ 0.998
 * (docs/models.md); on product-composites, the two that pass lose 0.001 IoU each.
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
  /** Share of the mask's pixels (p ≥ ½) whose colour is the backdrop's. */
  readonly backdropInside: number;
}

const LIMITS = { ringRoughness: 1, undecided: 0.04, ringCovered: 0.005, backdropInside: 0.01 } as const;
/** Largest per-channel difference (0–255) at which a pixel counts as the backdrop's colour. */
const BACKDROP_TOLERANCE = 10;

export interface Backdrop {
  /** Mean colour of the frame's outer ring, 0–255 per channel. */
  readonly colour: readonly [number, number, number];
  /** Mean absolute difference between neighbouring ring pixels, 0–255 (texture of the backdrop). */
  readonly roughness: number;
}

/** The frame's outer ring (3% of the short side): its colour and texture. `channels` per pixel, RGB first. */
export function measureBackdrop(rgb: Uint8Array, width: number, height: number, channels = 3): Backdrop {
  const ring = Math.max(2, Math.round(Math.min(width, height) * 0.03));
  const inRing = (x: number, y: number) => y < ring || y >= height - ring || x < ring || x >= width - ring;
  let diff = 0;
  let pairs = 0;
  const sum = [0, 0, 0];
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inRing(x, y)) {
        x = width - ring - 1;
        continue;
      }
      const i = (y * width + x) * channels;
      for (let c = 0; c < 3; c++) sum[c]! += rgb[i + c]!;
      count++;
      if (x === 0) continue;
      for (let c = 0; c < 3; c++) diff += Math.abs(rgb[i + c]! - rgb[i + c - channels]!);
      pairs += 3;
    }
  }
  const n = Math.max(1, count);
  return { colour: [sum[0]! / n, sum[1]! / n, sum[2]! / n], roughness: pairs ? diff / pairs : 0 };
}

/** Whether the backdrop is one smooth colour (a studio sweep or a plain wall), by its ring's texture. */
export const isPlainBackdrop = (b: Backdrop) => b.roughness <= LIMITS.ringRoughness;

/** Whether a pixel (RGB at `rgb[i..]`) shows the backdrop's colour, within `BACKDROP_TOLERANCE` per channel. */
export function showsBackdrop(rgb: Uint8Array, i: number, b: Backdrop): boolean {
  return (
    Math.abs(rgb[i]! - b.colour[0]) <= BACKDROP_TOLERANCE &&
    Math.abs(rgb[i + 1]! - b.colour[1]) <= BACKDROP_TOLERANCE &&
    Math.abs(rgb[i + 2]! - b.colour[2]) <= BACKDROP_TOLERANCE
  );
}

/** `rgb` is the full picture (3 bytes per pixel); `mask` the small model's map (any size, squashed). */
export function isStudioShot(rgb: Uint8Array, width: number, height: number, mask: FloatMap): StudioVerdict {
  const backdropRing = measureBackdrop(rgb, width, height);
  // Mask confidence, contact with the frame and backdrop inside, at the mask's own resolution.
  const { data, width: mw, height: mh } = mask;
  const mRing = Math.max(1, Math.round(Math.min(mw, mh) * 0.03));
  let fg = 0;
  let solid = 0;
  let undecided = 0;
  let ringPixels = 0;
  let ringCovered = 0;
  let backdropInside = 0;
  for (let y = 0; y < mh; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / mh));
    for (let x = 0; x < mw; x++) {
      const v = data[y * mw + x]!;
      if (v > 0.1) fg++;
      if (v > 0.1 && v < 0.9) undecided++;
      if (y < mRing || y >= mh - mRing || x < mRing || x >= mw - mRing) {
        ringPixels++;
        if (v > 0.5) ringCovered++;
      }
      if (v < 0.5) continue;
      solid++;
      const i = (sy * width + Math.min(width - 1, Math.floor(((x + 0.5) * width) / mw))) * 3;
      if (showsBackdrop(rgb, i, backdropRing)) backdropInside++;
    }
  }
  const verdict = {
    ringRoughness: backdropRing.roughness,
    undecided: fg ? undecided / fg : 1,
    ringCovered: ringPixels ? ringCovered / ringPixels : 0,
    backdropInside: solid ? backdropInside / solid : 1,
  };
  return {
    ...verdict,
    studio:
      solid > 0 &&
      verdict.ringRoughness <= LIMITS.ringRoughness &&
      verdict.undecided <= LIMITS.undecided &&
      verdict.ringCovered <= LIMITS.ringCovered &&
      verdict.backdropInside <= LIMITS.backdropInside,
  };
}
