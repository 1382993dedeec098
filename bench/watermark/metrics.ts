/**
 * The watermark scores of issue 5, shared by `bench/eval-wm.ts` and the unit tests:
 * - inside the mark (its mask grown by 3 px, a disc): PSNR(output, clean) − PSNR(input, clean), in dB;
 * - outside the marks, and on whole control images: PSNR(output, input), in dB;
 * - where the error left inside the mark lies: the share of it in pixels the output left as they were (marks
 *   missed) rather than in pixels it changed (marks restored imperfectly), which says what to work on next;
 * - the share of the mark's pixels the output changed at all, for real previews with a mask and no original.
 * PSNR is over the R, G and B values of the pixels selected; identical pixels score `IDENTICAL_DB`.
 */
import type { RawImage } from '../../src/processors/types.js';

/** What identical pixels score, so means stay finite. */
export const IDENTICAL_DB = 99;
/** How far the mark's mask is grown before scoring inside it. */
export const MASK_GROWTH_PX = 3;

/** PSNR over the pixels where `select(i)` holds; IDENTICAL_DB when they are equal or none are selected. */
export function psnrWhere(a: RawImage, b: RawImage, select: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (!select(i)) continue;
    for (let k = 0; k < 3; k++) {
      const d = a.data[i * 4 + k]! - b.data[i * 4 + k]!;
      sum += d * d;
    }
    n += 3;
  }
  if (n === 0 || sum === 0) return IDENTICAL_DB;
  return Math.min(IDENTICAL_DB, 10 * Math.log10((255 * 255 * n) / sum));
}

/** PSNR over the pixels where `mask` is 1. */
export const psnrOn = (a: RawImage, b: RawImage, mask: Uint8Array): number =>
  psnrWhere(a, b, (i) => mask[i] === 1);

/** The mask grown by a disc of `radius` pixels. */
export function growMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  const offsets: [number, number][] = [];
  for (let dy = -radius; dy <= radius; dy++)
    for (let dx = -radius; dx <= radius; dx++)
      if (dx * dx + dy * dy <= radius * radius) offsets.push([dx, dy]);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dx, dy] of offsets) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height) out[ny * width + nx] = 1;
      }
    }
  return out;
}

export interface WatermarkScore {
  /** PSNR(output, clean) − PSNR(input, clean) inside the grown mask; null without a clean original or mask. */
  readonly gainDb: number | null;
  readonly inputDb: number | null;
  readonly outputDb: number | null;
  /** PSNR(output, input) outside the grown mask (the whole image for controls). */
  readonly outsideDb: number;
  /**
   * Share (0..1) of the squared error left inside the grown mask that lies in pixels the output did not change;
   * null without a clean original or mask, or when no error is left.
   */
  readonly missedShare: number | null;
  /**
   * Share (0..1) of the mark's pixels (ungrown mask) that the output changed by more than 2 levels: on real
   * previews with a hand-drawn mask and no clean original, the one sign of the mark's removal; null for controls.
   */
  readonly touchedShare: number | null;
}

/** Scores one output. `mask` is 1 on the mark (ungrown); null for controls; `clean` may be absent. */
export function scoreRemoval(
  input: RawImage,
  output: RawImage,
  clean: RawImage | null,
  mask: Uint8Array | null,
): WatermarkScore {
  const grown = mask ? growMask(mask, input.width, input.height, MASK_GROWTH_PX) : null;
  const outsideDb = psnrWhere(output, input, (i) => !grown?.[i]);
  const touched = mask ? touchedShare(input, output, mask) : null;
  if (!grown || !clean)
    return {
      gainDb: null,
      inputDb: null,
      outputDb: null,
      outsideDb,
      missedShare: null,
      touchedShare: touched,
    };
  const inputDb = psnrWhere(input, clean, (i) => grown[i] === 1);
  const outputDb = psnrWhere(output, clean, (i) => grown[i] === 1);
  return {
    gainDb: outputDb - inputDb,
    inputDb,
    outputDb,
    outsideDb,
    missedShare: missedShare(input, output, clean, grown),
    touchedShare: touched,
  };
}

/** Levels a channel must move by for a pixel to count as changed (`touchedShare`). */
const TOUCHED_LEVELS = 2;

function touchedShare(input: RawImage, output: RawImage, mask: Uint8Array): number | null {
  let marked = 0;
  let touched = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    marked++;
    for (let k = 0; k < 3; k++)
      if (Math.abs(output.data[i * 4 + k]! - input.data[i * 4 + k]!) > TOUCHED_LEVELS) {
        touched++;
        break;
      }
  }
  return marked > 0 ? touched / marked : null;
}

function missedShare(input: RawImage, output: RawImage, clean: RawImage, grown: Uint8Array): number | null {
  let left = 0;
  let untouched = 0;
  for (let i = 0; i < grown.length; i++) {
    if (!grown[i]) continue;
    let err = 0;
    let changed = false;
    for (let k = 0; k < 3; k++) {
      const j = i * 4 + k;
      const d = output.data[j]! - clean.data[j]!;
      err += d * d;
      if (output.data[j] !== input.data[j]) changed = true;
    }
    left += err;
    if (!changed) untouched += err;
  }
  return left > 0 ? untouched / left : null;
}
