/**
 * A large mark's letters continued over the product. Where a letter crosses a product, the median background
 * there is the letter itself as much as the product, so coverage is missed over much of it; but where the
 * background came out smooth the letter is measured exactly, and it goes on with the same blend. Its strokes
 * are grown from those solid pixels, pixel by pixel, as long as the step keeps the marked level: a pixel is
 * outside the letter where it differs from the letter's level by what the blend adds there, `α·(c − m)`
 * (half of it or more). The letter's level follows the product's shading and edges (steps the blend does not
 * make) but not the letter's anti-aliased rim (part of the blend's step). Growth stays on smooth ground, where
 * such a step is the mark's edge and not texture, inside the region, and on pixels a blend could have made.
 */
import type { RegionAnalysis } from './analyse-region.js';

/** Share of the blend's step beyond which the step is the letter's edge. */
const EDGE_SHARE = 0.5;
/** The blend changes a pixel by at least this (levels RMS) for growth to go through it: else there is no edge to see. */
const MIN_EFFECT = 16;
/** A step below this share of the blend's (in energy) moves the letter's level with the product's shading. */
const SHADING_SHARE = 0.01;
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
  return { ...a, coverage, strokePixels };
}

const NEIGHBOURS: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];
