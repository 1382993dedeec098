/**
 * `auto_color`: white balance measured from the image, instead of the seed's fixed +5 % saturation.
 *
 * The illuminant is estimated in linear light from two classic cues and corrected with per-channel gains
 * (von Kries), so a cast is removed the way a camera's white balance would have avoided it:
 *
 * - **White patch** (primary): the mean colour of the brightest `PATCH_SHARE` of the pixels. On product
 *   photos that is the backdrop or the highlights, which should be neutral; it is trusted only when those
 *   pixels are nearly grey already (chroma ≤ `PATCH_MAX_CHROMA`) — a yellow product filling the frame is
 *   not a white patch.
 * - **Grey world** (fallback): the mean of the pixels that are themselves near-grey (`GREY_MAX_CHROMA`),
 *   i.e. "grey pixels" rather than the whole image, so a red product does not read as a red cast; used at
 *   half strength, since it is the weaker cue, and only when enough such pixels exist.
 *
 * Safeguards: a measured cast below `MIN_CAST` (a few tenths of a ΔE on white) is left alone, so a
 * balanced photo comes back unchanged; gains are limited to `MAX_GAIN`; the illuminant's brightest channel
 * keeps a gain of 1 and the others are raised to it, so a cream backdrop becomes white and nothing darkens.
 */
import type { RawImage } from '../types.js';

/** Share of the brightest pixels that form the white patch. */
export const PATCH_SHARE = 0.05;
/** Largest chromaticity spread (max/min channel − 1, linear) for the patch to count as white. */
export const PATCH_MAX_CHROMA = 0.35;
/** Largest chromaticity spread of a pixel counted by the grey-world fallback. */
const GREY_MAX_CHROMA = 0.25;
/** Share of the image the grey pixels must cover for the fallback to be used. */
const GREY_MIN_SHARE = 0.05;
/** Casts smaller than this (max/min gain − 1) are left alone. */
export const MIN_CAST = 0.015;
/** Largest correction per channel. */
export const MAX_GAIN = 1.35;

const toLinear = Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
function toSrgb(l: number): number {
  const c = l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
  return c <= 0 ? 0 : c >= 1 ? 255 : Math.round(c * 255);
}

export interface WhiteBalanceReport {
  readonly applied: boolean;
  readonly source: 'white_patch' | 'grey_pixels' | 'none';
  /** Linear-light gains for R, G, B (1 = unchanged). */
  readonly gains: readonly [number, number, number];
  /** Estimated illuminant colour (linear RGB, brightest channel 1). */
  readonly illuminant: readonly [number, number, number];
}

const chroma = (r: number, g: number, b: number) => Math.max(r, g, b) / Math.max(1e-6, Math.min(r, g, b)) - 1;

/** Estimates the cast of `image` (alpha 0 pixels ignored) and the gains that remove it. */
export function measureWhiteBalance(image: RawImage): WhiteBalanceReport {
  const d = image.data;
  const none: WhiteBalanceReport = {
    applied: false,
    source: 'none',
    gains: [1, 1, 1],
    illuminant: [1, 1, 1],
  };
  // Luma histogram (8-bit) to find the brightest PATCH_SHARE.
  const hist = new Uint32Array(256);
  let visible = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    hist[Math.round(0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!)]!++;
    visible++;
  }
  if (visible === 0) return none;
  let threshold = 255;
  for (let acc = 0; threshold > 0; threshold--) {
    acc += hist[threshold]!;
    if (acc >= PATCH_SHARE * visible) break;
  }
  const patch = [0, 0, 0];
  let patchCount = 0;
  const grey = [0, 0, 0];
  let greyCount = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    const r = toLinear[d[i]!]!;
    const g = toLinear[d[i + 1]!]!;
    const b = toLinear[d[i + 2]!]!;
    if (Math.round(0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!) >= threshold) {
      patch[0]! += r;
      patch[1]! += g;
      patch[2]! += b;
      patchCount++;
    }
    // Grey pixels: near-neutral and neither black (no colour information) nor clipped.
    if (r + g + b > 0.03 && Math.max(r, g, b) < 0.98 && chroma(r, g, b) <= GREY_MAX_CHROMA) {
      grey[0]! += r;
      grey[1]! += g;
      grey[2]! += b;
      greyCount++;
    }
  }
  let source: WhiteBalanceReport['source'] = 'none';
  let est: number[] = [];
  let strength = 1;
  if (patchCount > 0 && chroma(patch[0]!, patch[1]!, patch[2]!) <= PATCH_MAX_CHROMA) {
    source = 'white_patch';
    est = patch;
  } else if (greyCount >= GREY_MIN_SHARE * visible) {
    source = 'grey_pixels';
    est = grey;
    strength = 0.5;
  } else {
    return none;
  }
  const top = Math.max(...est);
  const illuminant = est.map((v) => v / top) as [number, number, number];
  // Gains that make the illuminant grey, the brightest channel kept; half-strength moves halfway (in log).
  const gains = illuminant.map((v) => Math.min(MAX_GAIN, (1 / Math.max(v, 1e-6)) ** strength)) as [
    number,
    number,
    number,
  ];
  if (Math.max(...gains) / Math.min(...gains) - 1 < MIN_CAST) return { ...none, source, illuminant };
  return { applied: true, source, gains, illuminant };
}

/** Removes the measured cast, in a new image (the same image when there is none). */
export function autoColour(image: RawImage): { image: RawImage; report: WhiteBalanceReport } {
  const report = measureWhiteBalance(image);
  if (!report.applied) return { image, report };
  const luts = report.gains.map((g) => Uint8Array.from({ length: 256 }, (_, v) => toSrgb(toLinear[v]! * g)));
  const [lr, lg, lb] = luts as [Uint8Array, Uint8Array, Uint8Array];
  const out = Buffer.from(image.data);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = lr[out[i]!]!;
    out[i + 1] = lg[out[i + 1]!]!;
    out[i + 2] = lb[out[i + 2]!]!;
  }
  return { image: { ...image, data: out }, report };
}
