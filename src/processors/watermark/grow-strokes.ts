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
/** Restored values a pixel may reach and still be marked (a little beyond 0..255 for noise). */
const GAMUT_SLACK = 10;

/**
 * The analysis with the letters grown into the product at full coverage (where it had measured under half),
 * or null when none grew.
 */
export function grownStrokes(a: RegionAnalysis): RegionAnalysis | null {
  const { width: w, height: h, pixels: m, background: b, model, coverage: s, regionMask } = a;
  const { alpha, colour } = model;
  const luma = (p: readonly [Float32Array, Float32Array, Float32Array], i: number) =>
    0.299 * p[0][i]! + 0.587 * p[1][i]! + 0.114 * p[2][i]!;
  const gradient = (p: readonly [Float32Array, Float32Array, Float32Array], x: number, y: number) => {
    const i = y * w + x;
    const gx = x > 0 && x < w - 1 ? (luma(p, i + 1) - luma(p, i - 1)) / 2 : 0;
    const gy = y > 0 && y < h - 1 ? (luma(p, i + w) - luma(p, i - w)) / 2 : 0;
    return Math.hypot(gx, gy);
  };
  const grown = new Uint8Array(w * h);
  // The letter's level at each grown pixel, RGB.
  const level = new Float32Array(3 * w * h);
  const queue: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (s[i] !== 1 || gradient(b, x, y) >= PLAIN_GRADIENT) continue;
      grown[i] = 2;
      for (let k = 0; k < 3; k++) level[3 * i + k] = m[k]![i]!;
      queue.push(i);
    }
  let added = 0;
  const step = [0, 0, 0];
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head]!;
    const px = p % w;
    const py = (p - px) / w;
    for (const [dx, dy] of NEIGHBOURS) {
      const qx = px + dx;
      const qy = py + dy;
      if (qx < 0 || qy < 0 || qx >= w || qy >= h) continue;
      const q = qy * w + qx;
      if (grown[q] || !regionMask[q]) continue;
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
      if (gradient(m, qx, qy) > MAX_TEXTURE * Math.sqrt(e2 / 3)) continue;
      grown[q] = 1;
      added++;
      // The level moves with small steps (shading) and with steps the mark cannot make (a product edge under
      // the letter); a step towards the unmarked side, part of the way (a rim), leaves it.
      const small = step[0]! ** 2 + step[1]! ** 2 + step[2]! ** 2 < SHADING_SHARE * e2;
      const moves = small || dot / e2 <= RIM_SHARE;
      for (let k = 0; k < 3; k++) level[3 * q + k] = moves ? m[k]![q]! : level[3 * p + k]!;
      queue.push(q);
    }
  }
  if (added === 0) return null;
  const coverage = s.slice();
  let strokePixels = a.strokePixels;
  for (let i = 0; i < coverage.length; i++)
    // Pixels measured at half coverage or more keep their measure (a rim the growth reached from inside).
    if (grown[i] === 1 && s[i]! < 0.5) {
      coverage[i] = 1;
      strokePixels++;
    }
  let ring: Uint8Array = Uint8Array.from(grown, (g) => (g === 1 ? 1 : 0));
  const taken = Uint8Array.from(grown, (g) => (g ? 1 : 0));
  for (let r = 0; r < RIM_PX; r++) ring = rimAround(a, ring, taken, level, coverage);
  return { ...a, coverage, strokePixels };
}

/**
 * One ring of the grown letters' anti-aliased rim, which the growth leaves (a rim is part of the blend's
 * step): each pixel beside the previous ring (`from`) is measured against the background its neighbour's level
 * implies, `B = (level − α·c) / (1 − α)`, by projecting its deviation on `α·(c − B)`, and keeps the larger of
 * that and what it had. Returns the ring (its pixels inherit the neighbour's level and are `taken`).
 */
function rimAround(
  a: RegionAnalysis,
  from: Uint8Array,
  taken: Uint8Array,
  level: Float32Array,
  coverage: Float32Array,
): Uint8Array {
  const { width: w, height: h, pixels: m, model } = a;
  const { alpha, colour } = model;
  const ring = new Uint8Array(from.length);
  const background = [0, 0, 0];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = y * w + x;
      if (taken[r] || coverage[r]! >= 1) continue;
      let p = -1;
      for (const [dx, dy] of NEIGHBOURS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && from[ny * w + nx]) p = ny * w + nx;
      }
      if (p < 0) continue;
      let dot = 0;
      let e2 = 0;
      for (let k = 0; k < 3; k++) {
        background[k] = (level[3 * p + k]! - alpha * colour[k]!) / (1 - alpha);
        const e = alpha * (colour[k]! - background[k]!);
        dot += (m[k]![r]! - background[k]!) * e;
        e2 += e * e;
      }
      if (e2 < 3 * MIN_EFFECT * MIN_EFFECT) continue;
      coverage[r] = Math.max(coverage[r]!, Math.min(1, Math.max(0, dot / e2)));
      ring[r] = 1;
    }
  for (let r = 0; r < ring.length; r++) {
    if (!ring[r]) continue;
    taken[r] = 1;
    // Its level: any neighbour's in the previous ring (they differ by shading only).
    const x = r % w;
    for (const [dx, dy] of NEIGHBOURS) {
      const nx = x + dx;
      const ny = (r - x) / w + dy;
      if (nx < 0 || ny < 0 || nx >= w || ny >= h || !from[ny * w + nx]) continue;
      for (let k = 0; k < 3; k++) level[3 * r + k] = level[3 * (ny * w + nx) + k]!;
      break;
    }
  }
  return ring;
}

const NEIGHBOURS: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];
