/**
 * `auto_contrast`: levels measured from the image's own histogram, instead of the seed's fixed +10 %.
 *
 * The black and white points are the luma levels below which, and above which, `CLIP_SHARE` of the visible
 * pixels lie (a specular glint or one dead-black pixel must not decide the levels). What is done with them:
 *
 * - **The photo reaches white** (white ≥ `GOOD_WHITE`): nothing. Its exposure is right; a light product
 *   on a white backdrop has no black and must keep its light tones (on the Magento shots the black point
 *   ranges from 5 to 95 with every backdrop at 255).
 * - **A backdrop that is not white** — at least `BACKDROP_SHARE` of the pixels on a near-neutral plateau at
 *   the white point — says the photo should reach white:
 *   - black reached (≤ `GOOD_BLACK`): a dim photo; an exposure gain `v · 255 / white`;
 *   - black not reached: washed out. We undo a contrast loss around mid-grey, `v' = 128 + c·(v − 128)`,
 *     taking the white point back to 255; where that would push the black point below 0 the loss was not
 *     symmetric, and plain levels (black → 0) are used instead.
 * - **No backdrop** (a cut-out, a close-up): a product may simply have no white or no black (a red cap),
 *   so only a histogram squeezed at both ends (black > `WASHED_BLACK`, white < `WASHED_WHITE`) is treated
 *   as washed out; anything else is left alone.
 *
 * The same map is applied to R, G and B, so hues keep their balance, and the gain is capped at `MAX_GAIN`;
 * below `MIN_RANGE` levels of spread the image is flat and its noise is not stretched.
 */
import type { RawImage } from '../types.js';

/** Share of pixels allowed to clip at each end (0.5 %). */
export const CLIP_SHARE = 0.005;
/** A black point at or below this reaches black; a white point at or above `GOOD_WHITE` reaches white. */
export const GOOD_BLACK = 16;
export const GOOD_WHITE = 248;
/** Without a backdrop, only a histogram inside [WASHED_BLACK, WASHED_WHITE] counts as washed out. */
export const WASHED_BLACK = 32;
export const WASHED_WHITE = 224;
/** Largest stretch: 1.6 takes a range of 160 levels to the full 255. */
export const MAX_GAIN = 1.6;
/** Luma spread (white − black) under which the image counts as flat and is left alone. */
export const MIN_RANGE = 24;
/** Share of pixels within `BACKDROP_LEVELS` of the white point, and near-neutral, that makes a backdrop. */
export const BACKDROP_SHARE = 0.15;
const BACKDROP_LEVELS = 8;
/** Largest channel spread (max − min, levels) of a backdrop pixel. */
const BACKDROP_CHROMA = 24;

export type LevelsCase = 'reaches_white' | 'washed_out' | 'dim_backdrop' | 'no_backdrop' | 'flat';

export interface LevelsReport {
  readonly applied: boolean;
  readonly case: LevelsCase;
  /** Measured black and white points (luma levels). */
  readonly black: number;
  readonly white: number;
  /** The map applied: `out = (in − from) · gain + to`, clamped. */
  readonly from: number;
  readonly to: number;
  readonly gain: number;
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/** The level at which the cumulative histogram first reaches `count`. */
function percentile(hist: Uint32Array, count: number): number {
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v]!;
    if (acc >= count) return v;
  }
  return hist.length - 1;
}

/** Measures the levels of `image` (pixels with alpha 0 are not counted) and decides the map. */
export function measureLevels(image: RawImage): LevelsReport {
  const hist = new Uint32Array(256);
  const d = image.data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    hist[Math.round(luma(d[i]!, d[i + 1]!, d[i + 2]!))]!++;
    n++;
  }
  const none = (c: LevelsCase, black = 0, white = 255): LevelsReport => ({
    applied: false,
    case: c,
    black,
    white,
    from: 0,
    to: 0,
    gain: 1,
  });
  if (n === 0) return none('flat');
  const clip = Math.max(1, Math.floor(n * CLIP_SHARE));
  const black = percentile(hist, clip);
  const white = percentile(hist, n - clip + 1);
  if (white >= GOOD_WHITE) return none('reaches_white', black, white);
  if (white - black < MIN_RANGE) return none('flat', black, white);

  const backdrop = hasBackdrop(image, white, n);
  if (backdrop ? black > GOOD_BLACK : black > WASHED_BLACK && white < WASHED_WHITE) {
    // Washed out: undo a symmetric contrast loss around mid-grey, unless that overshoots black.
    const symmetric = white > 128 ? 127 / (white - 128) : Infinity;
    const gain = Math.min(symmetric, 255 / (white - black), MAX_GAIN);
    return { applied: true, case: 'washed_out', black, white, from: white, to: 255, gain };
  }
  if (!backdrop) return none('no_backdrop', black, white);
  return {
    applied: true,
    case: 'dim_backdrop',
    black,
    white,
    from: 0,
    to: 0,
    gain: Math.min(255 / white, MAX_GAIN),
  };
}

/** True when a large near-neutral plateau sits at the white point: a backdrop that should be white. */
function hasBackdrop(image: RawImage, white: number, visible: number): boolean {
  const d = image.data;
  let count = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    const r = d[i]!;
    const g = d[i + 1]!;
    const b = d[i + 2]!;
    if (Math.abs(luma(r, g, b) - white) > BACKDROP_LEVELS) continue;
    if (Math.max(r, g, b) - Math.min(r, g, b) <= BACKDROP_CHROMA) count++;
  }
  return count >= BACKDROP_SHARE * visible;
}

/** Applies the measured levels, in a new image (the same image when nothing is to be done). */
export function autoContrast(image: RawImage): { image: RawImage; report: LevelsReport } {
  const report = measureLevels(image);
  if (!report.applied) return { image, report };
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    lut[v] = Math.max(0, Math.min(255, Math.round((v - report.from) * report.gain + report.to)));
  }
  const out = Buffer.from(image.data);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = lut[out[i]!]!;
    out[i + 1] = lut[out[i + 1]!]!;
    out[i + 2] = lut[out[i + 2]!]!;
  }
  return { image: { ...image, data: out }, report };
}
