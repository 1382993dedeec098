/**
 * A mark tiled on a lattice, found and restored from all its copies at once, on images made in code where
 * every copy's place is known and no copy lies on plain ground: the autocorrelation's peaks, the lattice they
 * give (a staggered one too), and the un-blended copies over a textured "product".
 */
import { describe, expect, it } from 'vitest';
import { psnrOn } from '../../bench/watermark/metrics.js';
import type { RawImage } from '../../src/processors/types.js';
import type { Region } from '../../src/processors/watermark/analyse-region.js';
import { autocorrelation } from '../../src/processors/watermark/autocorrelation.js';
import type { TextMap } from '../../src/processors/watermark/detect-text.js';
import { latticeMark } from '../../src/processors/watermark/lattice-mark.js';
import { highPass, localMean, luminance } from '../../src/processors/watermark/lattice-signal.js';
import { type Step, tileLattice } from '../../src/processors/watermark/tile-lattice.js';
import { paint } from '../helpers/synthetic-images.js';

const W = 720;
const H = 600;
/** A staggered tiling: rows every 90 px, each shifted by half of the 160 px step. */
const STEPS: readonly Step[] = [
  [80, 90],
  [-80, 90],
];
const GLYPH_W = 56;
const GLYPH_H = 40;

/**
 * A ring and a bar with anti-aliased edges (coverage 0..1), over a GLYPH_W × GLYPH_H box: strokes 5–6 px
 * wide, as a tiled name's letters are at 3–5 % of the image's side.
 */
function glyph(u: number, v: number): number {
  const ring = 1 - Math.min(1, Math.max(0, Math.abs(Math.hypot(u - 18, v - 20) - 12) - 2));
  const bar = 1 - Math.min(1, Math.max(0, Math.abs(u - 44) - 2.5, Math.abs(v - 20) - 15));
  return Math.max(ring, bar);
}

/** Copy origins on the lattice through (10, 8), all those that touch the image. */
function places(): [number, number][] {
  const out: [number, number][] = [];
  for (let m = -12; m <= 12; m++)
    for (let n = -12; n <= 12; n++) {
      const x = 10 + m * STEPS[0]![0] + n * STEPS[1]![0];
      const y = 8 + m * STEPS[0]![1] + n * STEPS[1]![1];
      if (x > -GLYPH_W && y > -GLYPH_H && x < W && y < H) out.push([x, y]);
    }
  return out;
}

/**
 * A textured product over the whole image, no plain ground anywhere: a slow gradient under value noise (a
 * seeded random lattice every 6 px, bilinearly smoothed, ±30 levels) like a fabric's weave seen from afar.
 */
function product(): RawImage {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const cell = 6;
  const gw = Math.ceil(W / cell) + 2;
  const grid = Array.from({ length: gw * (Math.ceil(H / cell) + 2) }, () => 60 * random() - 30);
  const noise = (x: number, y: number) => {
    const gx = Math.floor(x / cell);
    const gy = Math.floor(y / cell);
    const fx = x / cell - gx;
    const fy = y / cell - gy;
    const at = (i: number, j: number) => grid[(gy + j) * gw + gx + i]!;
    return (1 - fy) * ((1 - fx) * at(0, 0) + fx * at(1, 0)) + fy * ((1 - fx) * at(0, 1) + fx * at(1, 1));
  };
  return paint(W, H, (x, y) => {
    const base = 70 + (90 * y) / H + noise(x, y);
    return [Math.round(base + 20), Math.round(base), Math.round(150 - base / 3), 255];
  });
}

function tiled(photo: RawImage, ink: number, alpha: number): { marked: RawImage; mask: Uint8Array } {
  const marked: RawImage = { ...photo, data: Buffer.from(photo.data) };
  const mask = new Uint8Array(W * H);
  for (const [px, py] of places())
    for (let v = 0; v < GLYPH_H; v++)
      for (let u = 0; u < GLYPH_W; u++) {
        const x = px + u;
        const y = py + v;
        const s = glyph(u, v);
        if (s <= 0 || x < 0 || y < 0 || x >= W || y >= H) continue;
        const i = y * W + x;
        mask[i] = 1;
        for (let k = 0; k < 3; k++)
          marked.data[i * 4 + k] = Math.round(alpha * s * ink + (1 - alpha * s) * photo.data[i * 4 + k]!);
      }
  return { marked, mask };
}

/** What the text detector would report: text at the copies it read (every third), as a map and its lines. */
function detected(): { map: TextMap; lines: Region[] } {
  const prob = new Float32Array(W * H);
  const lines: Region[] = [];
  places().forEach(([px, py], n) => {
    if (n % 3 !== 0 || px < 0 || py < 0 || px + GLYPH_W > W || py + GLYPH_H > H) return;
    for (let y = py + 10; y < py + 30; y++) for (let x = px + 4; x < px + 52; x++) prob[y * W + x] = 0.9;
    const box = { x0: px, y0: py, x1: px + GLYPH_W, y1: py + GLYPH_H };
    lines.push({ box, mask: new Uint8Array(GLYPH_W * GLYPH_H).fill(1), textHeight: 30 });
  });
  return { map: { prob, width: W, height: H, scaleX: 1, scaleY: 1 }, lines };
}

/** Whether the lattice spanned by v1, v2 is the one spanned by STEPS (same cell, holds both steps). */
function sameLattice(v1: Step, v2: Step): boolean {
  const det = v1[0] * v2[1] - v1[1] * v2[0];
  const holds = ([x, y]: Step) => {
    const s = (x * v2[1] - y * v2[0]) / det;
    const t = (v1[0] * y - v1[1] * x) / det;
    return Math.abs(s - Math.round(s)) < 1e-9 && Math.abs(t - Math.round(t)) < 1e-9;
  };
  const trueDet = STEPS[0]![0] * STEPS[1]![1] - STEPS[0]![1] * STEPS[1]![0];
  return Math.abs(det) === Math.abs(trueDet) && STEPS.every(holds);
}

const detailOf = (image: RawImage) => () => {
  const lum = luminance(image, 1);
  return highPass(lum, localMean(lum, image.width, image.height));
};

describe('autocorrelation', () => {
  it('peaks at the steps of a repeating pattern and nowhere between', () => {
    const w = 128;
    const h = 96;
    const signal = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) signal[y * w + x] = (x % 16 < 3 ? 1 : 0) + (y % 12 < 2 ? 1 : 0) - 0.35;
    const acf = autocorrelation(signal, w, h);
    expect(acf.at(0, 0)).toBeCloseTo(1, 5);
    expect(acf.at(16, 0)).toBeGreaterThan(0.9);
    expect(acf.at(0, 12)).toBeGreaterThan(0.9);
    expect(acf.at(8, 6)).toBeLessThan(0.5);
  });
});

describe('tileLattice', () => {
  it('finds the staggered lattice of a faint mark over a textured product, to the whole pixel', () => {
    const { marked } = tiled(product(), 255, 0.25);
    const lattice = tileLattice(marked, detailOf(marked), () => true);
    expect(lattice).not.toBeNull();
    expect(sameLattice(lattice!.v1, lattice!.v2)).toBe(true);
  });

  it('finds none the plausibility test refuses', () => {
    const { marked } = tiled(product(), 255, 0.25);
    expect(tileLattice(marked, detailOf(marked), () => false)).toBeNull();
  });
});

describe('latticeMark', () => {
  it.each([
    ['white', 255],
    ['black', 0],
  ])('restores a %s mark with no copy on plain ground, and reports its ink', (_, ink) => {
    const photo = product();
    const { marked, mask } = tiled(photo, ink, 0.25);
    const { map, lines } = detected();
    const found = latticeMark(marked, map, lines);
    expect(found).not.toBeNull();
    expect(found!.ink).toBe(ink);
    expect(found!.opacity).toBeGreaterThan(0.15);
    expect(found!.opacity).toBeLessThan(0.35);
    const gain = psnrOn(found!.restored, photo, mask) - psnrOn(marked, photo, mask);
    expect(gain).toBeGreaterThan(10);
    // Away from the copies nothing moves.
    const outside = (i: number) => mask[i] === 0;
    let moved = 0;
    for (let i = 0; i < W * H; i++)
      if (outside(i) && found!.restored.data[4 * i] !== marked.data[4 * i]) moved++;
    expect(moved / (W * H)).toBeLessThan(0.02);
  });

  it('finds nothing on the product alone, though the detector read text where the copies would be', () => {
    const { map, lines } = detected();
    expect(latticeMark(product(), map, lines)).toBeNull();
  });

  it('finds nothing where the detector read no text at the lattice steps', () => {
    const { marked } = tiled(product(), 255, 0.25);
    const { lines } = detected();
    const empty: TextMap = { prob: new Float32Array(W * H), width: W, height: H, scaleX: 1, scaleY: 1 };
    expect(latticeMark(marked, empty, lines)).toBeNull();
  });
});
