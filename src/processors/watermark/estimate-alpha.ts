/**
 * Estimates a semi-transparent overlay as the alpha blend `marked = α·colour + (1−α)·original`
 * (Dekel et al., "On the Effectiveness of Visible Watermarks", CVPR 2017), from one image:
 *
 * 1. the background under the mark, `B`: a median over a window wider than the strokes (a mark's strokes
 *    cover well under half of any such window, so the median is the surface under them), refined once the
 *    strokes are known by filling them from their unmarked neighbours;
 * 2. the mark's opacity `α` and colour `c`: every stroke pixel satisfies `m = α·c + (1−α)·B` in each channel,
 *    a line through the points (B, m) with slope 1−α and intercept α·c, fitted robustly (Tukey biweight) over
 *    the pixels that deviate from `B`. Where `B` spans a range (the mark crosses the product's edge, or a
 *    photograph) the fit pins α and c down and is itself the evidence that the pixels are an overlay; where
 *    `B` is flat a weak prior holds α, and any (α, c) on that line restores those pixels the same way;
 * 3. the coverage `s ∈ [0, 1]` of each pixel (the glyph's anti-aliasing), by projecting `m − B` on `c − B`:
 *    per-pixel opacity is `α·s`. Stroke interiors are snapped to full coverage, where rendering puts them.
 */

import { nthSmallest } from './nth-smallest.js';
import { type Box, clamp, dilate, erode } from './raster.js';

export type Planes = [Float32Array, Float32Array, Float32Array];

export interface BlendModel {
  /** Opacity of the mark's solid parts, 0..1. */
  readonly alpha: number;
  /** The mark's colour, RGB 0..255 (may stray slightly outside from noise). */
  readonly colour: readonly [number, number, number];
  /** Robust RMS of the fit, in 8-bit levels. */
  readonly residual: number;
  /** Spread (std of luma) of the background under the fitted pixels: how well α is pinned down. */
  readonly backgroundSpread: number;
  /** Pixels that carried the fit (non-negligible weight). */
  readonly support: number;
  /** Share of the deviation energy the blend explains (1 = all of it). */
  readonly explained: number;
}

/** Coverage above which a pixel counts as part of a stroke. */
const STROKE_COVERAGE = 0.4;
/** Width of the anti-aliased (and JPEG-smeared) rim around strokes that keeps its measured coverage. */
const RIM_PX = 2;
/** Pixels a blend is fitted on at most (a strided sample of the candidates). */
const MAX_FIT_PIXELS = 3000;
/** Spread between a fitted ink's channels (levels) below which it may be neutral, tinted by the ground. */
const NEUTRAL_TINT = 40;
/** How much more of the deviation a neutral ink may leave unexplained and still be preferred (share). */
const NEUTRAL_COST = 0.25;
/** Opacity assumed when the background is flat and the fit cannot tell α from colour. */
const PRIOR_ALPHA = 0.35;
/** Background spread (levels) at which the data weighs as much as the prior. */
const PRIOR_SPREAD = 6;

/**
 * Median of each channel over a (2r+1)² window, computed at 1/`factor` resolution and scaled back; only the
 * part `out` of the planes (all of them by default) is scaled back and returned, `out`'s size.
 */
export function medianBackground(
  planes: Planes,
  width: number,
  height: number,
  radius: number,
  out: Box = { x0: 0, y0: 0, x1: width, y1: height },
): Planes {
  const factor = Math.max(1, Math.floor(radius / 4));
  const r = Math.max(1, Math.round(radius / factor));
  const sw = Math.ceil(width / factor);
  const sh = Math.ceil(height / factor);
  return planes.map((p) => {
    const small = downsample(p, width, height, factor, sw, sh);
    const med = medianFilter(small, sw, sh, r);
    return upsample(med, sw, sh, factor, out);
  }) as Planes;
}

function downsample(p: Float32Array, w: number, h: number, f: number, sw: number, sh: number): Uint8Array {
  if (f === 1) return Uint8Array.from(p, (v) => clamp(Math.round(v), 0, 255));
  const out = new Uint8Array(sw * sh);
  for (let sy = 0; sy < sh; sy++) {
    for (let sx = 0; sx < sw; sx++) {
      let acc = 0;
      let n = 0;
      for (let y = sy * f; y < Math.min(h, sy * f + f); y++)
        for (let x = sx * f; x < Math.min(w, sx * f + f); x++) {
          acc += p[y * w + x]!;
          n++;
        }
      out[sy * sw + sx] = clamp(Math.round(acc / n), 0, 255);
    }
  }
  return out;
}

function upsample(s: Uint8Array, sw: number, sh: number, f: number, box: Box): Float32Array {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const out = new Float32Array(w * h);
  // The column taps are the same on every row: computed once.
  const cx0 = new Int32Array(w);
  const cx1 = new Int32Array(w);
  const ctx = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const fx = clamp((x + box.x0 + 0.5) / f - 0.5, 0, sw - 1);
    cx0[x] = Math.floor(fx);
    cx1[x] = Math.min(sw - 1, cx0[x]! + 1);
    ctx[x] = fx - cx0[x]!;
  }
  for (let y = 0; y < h; y++) {
    const fy = clamp((y + box.y0 + 0.5) / f - 0.5, 0, sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const x0 = cx0[x]!;
      const x1 = cx1[x]!;
      const tx = ctx[x]!;
      const top = s[y0 * sw + x0]! * (1 - tx) + s[y0 * sw + x1]! * tx;
      const bottom = s[y1 * sw + x0]! * (1 - tx) + s[y1 * sw + x1]! * tx;
      out[y * w + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** Huang's running-histogram median over a (2r+1)² window, edges clamped. */
export function medianFilter(src: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const hist = new Int32Array(256);
  const half = ((2 * r + 1) * (2 * r + 1)) >> 1;
  // Clamped column of every x the window reaches, and the clamped rows' offsets of each window: computed
  // once, where clamping both coordinates of every read cost a third of the filter.
  const column = new Int32Array(w + 2 * r + 1);
  for (let x = -r - 1; x <= w + r - 1; x++) column[x + r + 1] = clamp(x, 0, w - 1);
  const rows = new Int32Array(2 * r + 1);
  for (let y = 0; y < h; y++) {
    for (let dy = -r; dy <= r; dy++) rows[dy + r] = clamp(y + dy, 0, h - 1) * w;
    hist.fill(0);
    for (let k = 0; k <= 2 * r; k++)
      for (let dx = -r; dx <= r; dx++) hist[src[rows[k]! + column[dx + r + 1]!]!]!++;
    // Running median: `med` with `below` = count of values < med.
    let med = 0;
    let below = 0;
    while (below + hist[med]! <= half) below += hist[med++]!;
    out[y * w] = med;
    for (let x = 1; x < w; x++) {
      const leaving = column[x]!;
      const entering = column[x + 2 * r + 1]!;
      for (let k = 0; k <= 2 * r; k++) {
        const outV = src[rows[k]! + leaving]!;
        const inV = src[rows[k]! + entering]!;
        hist[outV]!--;
        if (outV < med) below--;
        hist[inV]!++;
        if (inV < med) below++;
      }
      while (below > half) below -= hist[--med]!;
      while (below + hist[med]! <= half) below += hist[med++]!;
      out[y * w + x] = med;
    }
  }
  return out;
}

/**
 * Fits `m = α·c + (1−α)·B` over the candidate pixels (indices), robustly: iteratively reweighted least squares
 * with Tukey's biweight on the per-pixel residual, a weak prior on α for flat backgrounds.
 */
export function fitBlend(m: Planes, b: Planes, all: Int32Array, noise: number): BlendModel | null {
  // A few thousand pixels pin down four numbers; an even stride keeps the sample spread over the region.
  const stride = Math.max(1, Math.floor(all.length / MAX_FIT_PIXELS));
  const candidates = stride === 1 ? all : everyNth(all, stride);
  const n = candidates.length;
  if (n < 12) return null;
  const weights = initialWeights(m, b, candidates, noise);
  // Residuals per iteration, and those of the pixels carrying the fit (reordered by the median's selection).
  const res = new Float32Array(n);
  const carried = new Float32Array(n);
  const [m0, m1, m2] = m;
  const [b0, b1, b2] = b;
  let slope = 1 - PRIOR_ALPHA;
  let intercept: [number, number, number] = [0, 0, 0];
  let residual = Number.POSITIVE_INFINITY;
  let spread = 0;
  let support = 0;
  for (let iter = 0; iter < 6; iter++) {
    // Channels unrolled (this loop runs for every region and refinement); sums in the same order as per channel.
    let wSum = 0;
    let mb0 = 0;
    let mb1 = 0;
    let mb2 = 0;
    let mm0 = 0;
    let mm1 = 0;
    let mm2 = 0;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      const w = weights[j]!;
      wSum += w;
      mb0 += w * b0[i]!;
      mm0 += w * m0[i]!;
      mb1 += w * b1[i]!;
      mm1 += w * m1[i]!;
      mb2 += w * b2[i]!;
      mm2 += w * m2[i]!;
    }
    if (wSum < 6) return null;
    mb0 /= wSum;
    mm0 /= wSum;
    mb1 /= wSum;
    mm1 /= wSum;
    mb2 /= wSum;
    mm2 /= wSum;
    let sbb = 0;
    let sbm = 0;
    let lumaVar = 0;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      const w = weights[j]!;
      const d0 = b0[i]! - mb0;
      const d1 = b1[i]! - mb1;
      const d2 = b2[i]! - mb2;
      sbb += w * d0 * d0;
      sbm += w * d0 * (m0[i]! - mm0);
      sbb += w * d1 * d1;
      sbm += w * d1 * (m1[i]! - mm1);
      sbb += w * d2 * d2;
      sbm += w * d2 * (m2[i]! - mm2);
      const luma = 0 + d0 * 0.299 + d1 * 0.587 + d2 * 0.114;
      lumaVar += w * luma * luma;
    }
    spread = Math.sqrt(lumaVar / wSum);
    const lambda = 3 * wSum * PRIOR_SPREAD * PRIOR_SPREAD;
    slope = clamp((sbm + lambda * (1 - PRIOR_ALPHA)) / (sbb + lambda), 0.02, 1);
    intercept = [mm0 - slope * mb0, mm1 - slope * mb1, mm2 - slope * mb2];
    [slope, intercept] = intoGamut(m, b, candidates, weights, slope, intercept);
    // Residuals and Tukey weights (scale: robust RMS, at least the noise floor).
    let rss = 0;
    const [i0, i1, i2] = intercept;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      const e0 = m0[i]! - i0 - slope * b0[i]!;
      const e1 = m1[i]! - i1 - slope * b1[i]!;
      const e2 = m2[i]! - i2 - slope * b2[i]!;
      const e = 0 + e0 * e0 + e1 * e1 + e2 * e2;
      res[j] = Math.sqrt(e / 3);
      rss += (weights[j]! * e) / 3;
    }
    residual = Math.sqrt(rss / wSum);
    // Scale from the pixels that currently carry the fit: texture outliers must not widen it.
    let kept = 0;
    for (let j = 0; j < n; j++) if (weights[j]! > 0.5) carried[kept++] = res[j]!;
    const scale =
      4.685 * Math.max(noise, 1.4826 * medianOf(kept >= 12 ? carried.subarray(0, kept) : res.slice()));
    support = 0;
    for (let j = 0; j < n; j++) {
      const u = res[j]! / scale;
      const w = u < 1 ? (1 - u * u) ** 2 : 0;
      weights[j] = w;
      if (w > 0.25) support++;
    }
  }
  const alpha = 1 - slope;
  // The candidates' deviation from B the blend leaves unexplained, with the ink's share `at` (α·colour).
  const leftWith = (at: readonly number[]) => {
    let left = 0;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      for (let k = 0; k < 3; k++) {
        const e = m[k]![i]! - at[k]! - slope * b[k]![i]!;
        left += weights[j]! * e * e;
      }
    }
    return left;
  };
  let dev = 0;
  for (let j = 0; j < n; j++) {
    const i = candidates[j]!;
    for (let k = 0; k < 3; k++) {
      const d = m[k]![i]! - b[k]![i]!;
      dev += weights[j]! * d * d;
    }
  }
  let left = leftWith(intercept);
  // A nearly neutral ink is taken as neutral when grey explains the pixels about as well: a tint this slight is
  // the coloured ground leaking into the fit (a white name over yellow sky came out (255, 255, 228), and
  // un-blending with it stained the sky yellow and turned the letters over a black mug blue).
  if (Math.max(...intercept) - Math.min(...intercept) < alpha * NEUTRAL_TINT) {
    const grey = (intercept[0] + intercept[1] + intercept[2]) / 3;
    const neutral: [number, number, number] = [grey, grey, grey];
    const leftNeutral = leftWith(neutral);
    if (leftNeutral <= (1 + NEUTRAL_COST) * left) {
      intercept = neutral;
      left = leftNeutral;
    }
  }
  const colour: [number, number, number] = [intercept[0] / alpha, intercept[1] / alpha, intercept[2] / alpha];
  return {
    alpha,
    colour,
    residual,
    backgroundSpread: spread,
    support,
    explained: dev > 0 ? 1 - left / dev : 0,
  };
}

/** Elements 0, n, 2n, … of `values`. */
function everyNth(values: Int32Array, n: number): Int32Array {
  const out = new Int32Array(Math.ceil(values.length / n));
  for (let j = 0, k = 0; j < values.length; j += n, k++) out[k] = values[j]!;
  return out;
}

/** Opacities and grey levels tried to start the fit (most marks are white, grey or black). */
const START_ALPHAS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
const START_GREYS = [0, 64, 128, 192, 255];

/**
 * Starting weights: over a textured background most deviating pixels are texture, and a least-squares start
 * would fit the texture. Each grey blend of a small grid is scored by how many candidates it explains within
 * a few noise levels; the best one's inliers start with full weight, the rest with little.
 */
function initialWeights(m: Planes, b: Planes, candidates: Int32Array, noise: number): Float32Array {
  const n = candidates.length;
  const tol = 4 * noise;
  let best = -1;
  let bestA = 0;
  let bestG = 0;
  const [m0, m1, m2] = m;
  const [b0, b1, b2] = b;
  for (const a of START_ALPHAS)
    for (const g of START_GREYS) {
      // The grid is 35 blends over up to MAX_FIT_PIXELS pixels: channels unrolled, each tested as before.
      const paint = a * g;
      const keep = 1 - a;
      let inliers = 0;
      for (let j = 0; j < n; j++) {
        const i = candidates[j]!;
        if (
          Math.abs(m0[i]! - paint - keep * b0[i]!) <= tol &&
          Math.abs(m1[i]! - paint - keep * b1[i]!) <= tol &&
          Math.abs(m2[i]! - paint - keep * b2[i]!) <= tol
        )
          inliers++;
      }
      if (inliers > best) {
        best = inliers;
        bestA = a;
        bestG = g;
      }
    }
  const weights = new Float32Array(n).fill(1);
  // Without a clear winner (colour marks), start from plain least squares.
  if (best < 0.2 * n) return weights;
  for (let j = 0; j < n; j++) {
    const i = candidates[j]!;
    let e = 0;
    for (let k = 0; k < 3; k++)
      e = Math.max(e, Math.abs(m[k]![i]! - bestA * bestG - (1 - bestA) * b[k]![i]!));
    weights[j] = e <= tol ? 1 : 0.02;
  }
  return weights;
}

/**
 * A fitted colour outside 0..255 is no paint: clamp the colour into the gamut and refit α for it, alternating
 * (each step is the least-squares optimum of one given the other).
 */
function intoGamut(
  m: Planes,
  b: Planes,
  candidates: Int32Array,
  weights: Float32Array,
  slope: number,
  intercept: [number, number, number],
): [number, [number, number, number]] {
  let alpha = 1 - slope;
  const colour = intercept.map((v) => v / alpha);
  if (colour.every((v) => v >= 0 && v <= 255)) return [slope, intercept];
  const [m0, m1, m2] = m;
  const [b0, b1, b2] = b;
  const n = candidates.length;
  for (let iter = 0; iter < 8; iter++) {
    for (let k = 0; k < 3; k++) colour[k] = clamp(colour[k]!, 0, 255);
    // Channels unrolled as in fitBlend; every sum keeps the per-channel order of the loop it replaces.
    const [c0, c1, c2] = colour as [number, number, number];
    let num = 0;
    let den = 0;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      const w = weights[j]!;
      const e0 = c0 - b0[i]!;
      num += w * (m0[i]! - b0[i]!) * e0;
      den += w * e0 * e0;
      const e1 = c1 - b1[i]!;
      num += w * (m1[i]! - b1[i]!) * e1;
      den += w * e1 * e1;
      const e2 = c2 - b2[i]!;
      num += w * (m2[i]! - b2[i]!) * e2;
      den += w * e2 * e2;
    }
    alpha = clamp(den > 0 ? num / den : 0, 0.02, 0.98);
    // Colour given α: mean of (m − (1−α)B)/α.
    const keep = 1 - alpha;
    let acc0 = 0;
    let acc1 = 0;
    let acc2 = 0;
    let wSum = 0;
    for (let j = 0; j < n; j++) {
      const i = candidates[j]!;
      const w = weights[j]!;
      wSum += w;
      acc0 += w * (m0[i]! - keep * b0[i]!);
      acc1 += w * (m1[i]! - keep * b1[i]!);
      acc2 += w * (m2[i]! - keep * b2[i]!);
    }
    colour[0] = acc0 / (wSum * alpha);
    colour[1] = acc1 / (wSum * alpha);
    colour[2] = acc2 / (wSum * alpha);
  }
  for (let k = 0; k < 3; k++) colour[k] = clamp(colour[k]!, 0, 255);
  return [1 - alpha, [alpha * colour[0]!, alpha * colour[1]!, alpha * colour[2]!]];
}

/**
 * The element a sort would put in the middle (index length >> 1), selected in place: it runs in every
 * iteration of every fit, where copying and sorting cost a fifth of the fit.
 */
function medianOf(values: Float32Array): number {
  return values.length === 0 ? 0 : nthSmallest(values, values.length >> 1);
}

/**
 * Coverage of each pixel by the mark, `s ∈ [0, 1]`: the projection of `m − B` on `α·(c − B)`. Pixels where the
 * mark would change the background by less than `minEffect` levels are left at 0 (nothing to undo there).
 */
export function coverage(
  m: Planes,
  b: Planes,
  model: BlendModel,
  region: Uint8Array,
  minEffect: number,
): Float32Array {
  const n = region.length;
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (!region[i]) continue;
    const share = blendShare(m, b, model, i, minEffect);
    if (!Number.isNaN(share)) s[i] = clamp(share, 0, 1);
  }
  return s;
}

/**
 * Pixel i's deviation from its background in units of the whole blend's, `(m − B)·α(c − B) / |α(c − B)|²`,
 * unclamped (two overlapping layers read near 2 − α); NaN where the blend would change the background by less
 * than `minEffect` levels RMS, or not at all.
 */
export function blendShare(m: Planes, b: Planes, model: BlendModel, i: number, minEffect = 0): number {
  const a = model.alpha;
  const er = a * (model.colour[0] - b[0][i]!);
  const eg = a * (model.colour[1] - b[1][i]!);
  const eb = a * (model.colour[2] - b[2][i]!);
  const e2 = er * er + eg * eg + eb * eb;
  if (e2 === 0 || e2 < minEffect * minEffect * 3) return Number.NaN;
  return ((m[0][i]! - b[0][i]!) * er + (m[1][i]! - b[1][i]!) * eg + (m[2][i]! - b[2][i]!) * eb) / e2;
}

/**
 * Turns raw coverage into the mark's shape: strokes are pixels above one half, specks smaller than
 * `minStroke` pixels across are dropped, stroke interiors get full coverage, and the anti-aliased rim one pixel
 * around keeps its measured value.
 */
export function shapeCoverage(
  s: Float32Array,
  width: number,
  height: number,
  minStroke: number,
): Float32Array {
  const n = s.length;
  const strokes = new Uint8Array(n);
  for (let i = 0; i < n; i++) strokes[i] = s[i]! > STROKE_COVERAGE ? 1 : 0;
  // Opening by the thinnest stroke drops isolated texture specks; dilating back restores the strokes.
  const rOpen = Math.max(0, Math.floor((minStroke - 1) / 2));
  const opened = rOpen > 0 ? dilate(erode(strokes, width, height, rOpen), width, height, rOpen) : strokes;
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) kept[i] = opened[i]! & strokes[i]!;
  // Core (all 3×3 neighbours kept) and rim (a kept pixel within RIM_PX) looked up directly: only kept pixels
  // and pixels with some coverage are visited, where a box count would sweep the whole crop twice.
  const out = new Float32Array(n);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (kept[i] && allKept(kept, width, height, x, y, 1)) out[i] = 1;
      else if (s[i]! > 0 && anyKept(kept, width, height, x, y, RIM_PX)) out[i] = s[i]!;
    }
  return out;
}

/** Every pixel within the (2r+1)² window is kept (outside the image counts as not kept, as in `erode`). */
function allKept(kept: Uint8Array, width: number, height: number, x: number, y: number, r: number): boolean {
  if (x < r || y < r || x + r >= width || y + r >= height) return false;
  for (let dy = -r; dy <= r; dy++) {
    const row = (y + dy) * width;
    for (let dx = -r; dx <= r; dx++) if (!kept[row + x + dx]) return false;
  }
  return true;
}

/** Some pixel within the (2r+1)² window is kept. */
function anyKept(kept: Uint8Array, width: number, height: number, x: number, y: number, r: number): boolean {
  const x0 = Math.max(0, x - r);
  const x1 = Math.min(width - 1, x + r);
  for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) {
    const row = yy * width;
    for (let xx = x0; xx <= x1; xx++) if (kept[row + xx]) return true;
  }
  return false;
}

/**
 * Background under known strokes, filled from the unmarked pixels around them: the mean of the free pixels in
 * a (2r+1)² window, widened ×4 (then ×16) where a stroke is thicker than the window. Summed-area tables make
 * every window O(1), so only the marked pixels cost anything.
 */
export function fillUnder(m: Planes, marked: Uint8Array, width: number, height: number, r: number): Planes {
  const out = m.map((p) => p.slice()) as Planes;
  const free = new UnmarkedSums(m, marked, width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!marked[i]) continue;
      for (let radius = r; radius <= 16 * r; radius *= 4) {
        const x0 = Math.max(0, x - radius);
        const y0 = Math.max(0, y - radius);
        const x1 = Math.min(width, x + radius + 1);
        const y1 = Math.min(height, y + radius + 1);
        const n = free.count(x0, y0, x1, y1);
        if (n < 1) continue;
        out[0][i] = free.sum(0, x0, y0, x1, y1) / n;
        out[1][i] = free.sum(1, x0, y0, x1, y1) / n;
        out[2][i] = free.sum(2, x0, y0, x1, y1) / n;
        break;
      }
    }
  return out;
}

/**
 * Summed-area tables of the pixels `marked` leaves free: how many there are in any box and what their
 * channels add up to, each in O(1). The background under strokes is measured from these.
 */
export class UnmarkedSums {
  private readonly w1: number;
  private readonly free: Float64Array;
  private readonly sums: readonly Float64Array[];

  constructor(m: Planes, marked: Uint8Array, width: number, height: number) {
    const [m0, m1, m2] = m;
    const w1 = width + 1;
    const free = new Float64Array(w1 * (height + 1));
    const s0 = new Float64Array(w1 * (height + 1));
    const s1 = new Float64Array(w1 * (height + 1));
    const s2 = new Float64Array(w1 * (height + 1));
    for (let y = 0; y < height; y++) {
      let rowFree = 0;
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const j = (y + 1) * w1 + x + 1;
        if (!marked[i]) {
          rowFree++;
          r0 += m0[i]!;
          r1 += m1[i]!;
          r2 += m2[i]!;
        }
        free[j] = free[j - w1]! + rowFree;
        s0[j] = s0[j - w1]! + r0;
        s1[j] = s1[j - w1]! + r1;
        s2[j] = s2[j - w1]! + r2;
      }
    }
    this.w1 = w1;
    this.free = free;
    this.sums = [s0, s1, s2];
  }

  /** Free pixels in the half-open box [x0, x1) × [y0, y1). */
  count(x0: number, y0: number, x1: number, y1: number): number {
    return this.area(this.free, x0, y0, x1, y1);
  }

  /** Sum of channel `k` over the free pixels of the box. */
  sum(k: number, x0: number, y0: number, x1: number, y1: number): number {
    return this.area(this.sums[k]!, x0, y0, x1, y1);
  }

  private area(t: Float64Array, x0: number, y0: number, x1: number, y1: number): number {
    const w1 = this.w1;
    return t[y1 * w1 + x1]! - t[y0 * w1 + x1]! - t[y1 * w1 + x0]! + t[y0 * w1 + x0]!;
  }
}
