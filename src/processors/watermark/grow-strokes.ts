/**
 * A large mark's letters continued over the product. Where a letter crosses a product, the median background
 * there is the letter itself as much as the product, so coverage is missed over much of it; but where the
 * background came out smooth the letter is measured exactly, and it goes on with the same blend. Its strokes
 * are grown from those solid pixels, pixel by pixel, as long as the step keeps the marked level: a pixel is
 * outside the letter where it differs from the letter's level by what the blend adds there, `α·(c − m)`
 * (half of it or more). The letter's level follows the product's shading and edges (steps the blend does not
 * make) but not the letter's anti-aliased rim (part of the blend's step). Growth stays on smooth ground, where
 * such a step is the mark's edge and not texture, inside the region, and on pixels a blend could have made.
 * The rim the growth stops at is then measured against the background the letter's level implies.
 */
import type { RegionAnalysis } from './analyse-region.js';
import { blendShare } from './estimate-alpha.js';

/** Share of the blend's step beyond which the step is the letter's edge. */
const EDGE_SHARE = 0.5;
/** The blend changes a pixel by at least this (levels RMS) for growth to go through it: else there is no edge to see. */
const MIN_EFFECT = 16;
/** A step below this share of the blend's (in energy) moves the letter's level with the product's shading. */
const SHADING_SHARE = 0.01;
/** Rings of anti-aliased rim measured around the grown letters, pixels (as `shapeCoverage` keeps around strokes). */
const RIM_PX = 2;
/** Share of the blend's step below which a step is not towards the unmarked side (no rim). */
const RIM_SHARE = 0.1;
/** Local gradient (levels per pixel) at most, as a share of the blend's step: smooth ground only. */
const MAX_TEXTURE = 0.15;
/** Background gradient (levels per pixel) below which a solid stroke pixel lies on plain ground (a seed). */
const PLAIN_GRADIENT = 1;
/** Levels (RMS) by which a seed may miss the level the blend gives it: JPEG noise and the median's error. */
const SEED_NOISE = 5;
/** Restored values a pixel may reach and still be marked (a little beyond 0..255 for noise). */
const GAMUT_SLACK = 10;

/**
 * The analysis with the letters grown into the product at full coverage (where it had measured under half),
 * or null when none grew.
 */
export function grownStrokes(a: RegionAnalysis): RegionAnalysis | null {
  const { width: w, height: h, pixels: m, background: b, model, coverage: s, regionMask } = a;
  const { alpha, colour } = model;
  const n = w * h;
  const grown = new Uint8Array(n);
  // The letter's level at each grown pixel, RGB.
  const level = new Float32Array(3 * n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (s[i] !== 1 || gradientAt(b, w, h, i) >= PLAIN_GRADIENT) continue;
    // A seed is a pixel the blend explains exactly: one that merely stands out from the median by more (a lit
    // LCD among its dark digits) would grow over the whole uniform part it lies in.
    if (!(Math.abs(blendShare(m, b, model, i) - 1) * blendStep(model, b, i) <= SEED_NOISE)) continue;
    grown[i] = SEED;
    for (let k = 0; k < 3; k++) level[3 * i + k] = m[k]![i]!;
    queue[tail++] = i;
  }
  let added = 0;
  const step = [0, 0, 0];
  for (let head = 0; head < tail; head++) {
    const p = queue[head]!;
    const px = p % w;
    for (let d = 0; d < 4; d++) {
      const q = neighbour(p, px, d, w, n);
      if (q < 0 || grown[q] || !regionMask[q]) continue;
      let e2 = 0;
      let dot = 0;
      let outOfGamut = false;
      for (let k = 0; k < 3; k++) {
        const mq = m[k]![q]!;
        const e = alpha * (colour[k]! - mq);
        step[k] = mq - level[3 * p + k]!;
        e2 += e * e;
        dot -= step[k]! * e;
        const restored = (mq - alpha * colour[k]!) / (1 - alpha);
        if (restored < -GAMUT_SLACK || restored > 255 + GAMUT_SLACK) outOfGamut = true;
      }
      if (outOfGamut || e2 < 3 * MIN_EFFECT * MIN_EFFECT || dot / e2 > EDGE_SHARE) continue;
      if (gradientAt(m, w, h, q) > MAX_TEXTURE * Math.sqrt(e2 / 3)) continue;
      grown[q] = GROWN;
      added++;
      // The level moves with small steps (shading) and with steps the mark cannot make (a product edge under
      // the letter); a step towards the unmarked side, part of the way (a rim), leaves it.
      const small = step[0]! ** 2 + step[1]! ** 2 + step[2]! ** 2 < SHADING_SHARE * e2;
      const moves = small || dot / e2 <= RIM_SHARE;
      for (let k = 0; k < 3; k++) level[3 * q + k] = moves ? m[k]![q]! : level[3 * p + k]!;
      queue[tail++] = q;
    }
  }
  if (added === 0) return null;
  const coverage = s.slice();
  let strokePixels = a.strokePixels;
  let ring: number[] = [];
  for (let i = 0; i < n; i++) {
    if (grown[i] !== GROWN) continue;
    ring.push(i);
    // Pixels measured at half coverage or more keep their measure (a rim the growth reached from inside).
    if (s[i]! < 0.5) {
      coverage[i] = 1;
      strokePixels++;
    }
  }
  for (let r = 0; r < RIM_PX; r++) ring = rimAround(a, ring, grown, level, coverage);
  return { ...a, coverage, strokePixels };
}

/** What the blend adds to pixel i's background, levels RMS over the channels. */
function blendStep(model: RegionAnalysis['model'], b: RegionAnalysis['background'], i: number): number {
  const { alpha, colour } = model;
  return (
    Math.hypot(
      alpha * (colour[0] - b[0][i]!),
      alpha * (colour[1] - b[1][i]!),
      alpha * (colour[2] - b[2][i]!),
    ) / Math.sqrt(3)
  );
}

/** Marks in `grown`: a seed, a pixel grown, a pixel of the rim measured around them. */
const SEED = 1;
const GROWN = 2;
const RIM = 3;

/** Index of the d-th 4-neighbour of pixel i (at column x), or −1 outside the crop. */
function neighbour(i: number, x: number, d: number, w: number, n: number): number {
  if (d === 0) return x + 1 < w ? i + 1 : -1;
  if (d === 1) return x > 0 ? i - 1 : -1;
  if (d === 2) return i + w < n ? i + w : -1;
  return i >= w ? i - w : -1;
}

/** Luma gradient magnitude at pixel i by central differences (0 across the crop's border). */
function gradientAt(p: readonly [Float32Array, Float32Array, Float32Array], w: number, h: number, i: number) {
  const luma = (j: number) => 0.299 * p[0][j]! + 0.587 * p[1][j]! + 0.114 * p[2][j]!;
  const x = i % w;
  const y = (i - x) / w;
  const gx = x > 0 && x < w - 1 ? (luma(i + 1) - luma(i - 1)) / 2 : 0;
  const gy = y > 0 && y < h - 1 ? (luma(i + w) - luma(i - w)) / 2 : 0;
  return Math.hypot(gx, gy);
}

/**
 * One ring of the grown letters' anti-aliased rim, which the growth leaves (a rim is part of the blend's
 * step): each pixel beside the previous ring (`from`) is measured against the background its neighbour's level
 * implies, `B = (level − α·c) / (1 − α)`, by projecting its deviation on `α·(c − B)`, and keeps the larger of
 * that and what it had. Returns the ring; its pixels inherit the neighbour's level and are marked in `grown`.
 */
function rimAround(
  a: RegionAnalysis,
  from: readonly number[],
  grown: Uint8Array,
  level: Float32Array,
  coverage: Float32Array,
): number[] {
  const { width: w, pixels: m, model } = a;
  const { alpha, colour } = model;
  const n = a.coverage.length;
  const ring: number[] = [];
  const background = [0, 0, 0];
  for (const p of from) {
    const px = p % w;
    for (let d = 0; d < 4; d++) {
      const r = neighbour(p, px, d, w, n);
      if (r < 0 || grown[r] || coverage[r]! >= 1) continue;
      let dot = 0;
      let e2 = 0;
      for (let k = 0; k < 3; k++) {
        background[k] = (level[3 * p + k]! - alpha * colour[k]!) / (1 - alpha);
        const e = alpha * (colour[k]! - background[k]!);
        dot += (m[k]![r]! - background[k]!) * e;
        e2 += e * e;
      }
      // Marked either way: a pixel is measured once, from the first neighbour that reaches it.
      grown[r] = RIM;
      for (let k = 0; k < 3; k++) level[3 * r + k] = level[3 * p + k]!;
      ring.push(r);
      if (e2 >= 3 * MIN_EFFECT * MIN_EFFECT)
        coverage[r] = Math.max(coverage[r]!, Math.min(1, Math.max(0, dot / e2)));
    }
  }
  return ring;
}
