/**
 * A mark tiled on a lattice, found and restored from all its copies at once, on images made in code where
 * every copy's place is known and no copy lies on plain ground: the autocorrelation's peaks, the lattice they
 * give (a staggered one too), and the un-blended copies over a textured "product".
 */
import { describe, expect, it } from 'vitest';
import { psnrOn } from '../../bench/watermark/metrics.js';
import type { RawImage } from '../../src/processors/types.js';
import { cropPlanes, type Region } from '../../src/processors/watermark/analyse-region.js';
import { autocorrelation } from '../../src/processors/watermark/autocorrelation.js';
import type { TextMap } from '../../src/processors/watermark/detect-text.js';
import { LatticeCopies, opacitySaid } from '../../src/processors/watermark/lattice-copies.js';
import { latticeMark } from '../../src/processors/watermark/lattice-mark.js';
import { highPass, localMean, luminance } from '../../src/processors/watermark/lattice-signal.js';
import { type Step, tileLattice } from '../../src/processors/watermark/tile-lattice.js';
import { seededUniform } from '../helpers/seeded-uniform.js';
import { paint } from '../helpers/synthetic-images.js';

const W = 720;
const H = 600;
/** A staggered tiling: rows every 90 px, each shifted by half of the 160 px step. */
const STEPS: readonly Step[] = [
  [80, 90],
  [-80, 90],
];
/** A tiling along a rotated grid: the copies fall between pixels, each at its own phase. */
const FRACTIONAL: readonly Step[] = [
  [80.4, 90.3],
  [-79.7, 90.6],
];
const GLYPH_W = 56;
const GLYPH_H = 40;

/**
 * A ring (radius 12 around (18, 20)) and an upright bar (centred at `barX`, 20) with anti-aliased edges
 * (coverage 0..1), within a GLYPH_W × GLYPH_H box; `ringHalf`, `barHalfWidth` and `barHalfHeight` are the
 * strokes' half widths and the bar's half height.
 */
function ringAndBar(ringHalf: number, barX: number, barHalfWidth: number, barHalfHeight: number) {
  return (u: number, v: number): number => {
    const ring = 1 - Math.min(1, Math.max(0, Math.abs(Math.hypot(u - 18, v - 20) - 12) - ringHalf));
    const bar =
      1 - Math.min(1, Math.max(0, Math.abs(u - barX) - barHalfWidth, Math.abs(v - 20) - barHalfHeight));
    return Math.max(ring, bar);
  };
}

/** Strokes 5–6 px wide, as a tiled name's letters are at 3–5 % of the image's side. */
const glyph = ringAndBar(2, 44, 2.5, 15);
/** Bold: strokes 12–14 px across, wider than the fold's 5 × 5 detail window. */
const boldGlyph = ringAndBar(6, 46, 7, 18);

/** Copy origins on the lattice through (10, 8), all those that touch the image. */
function places(steps: readonly Step[]): [number, number][] {
  const out: [number, number][] = [];
  for (let m = -12; m <= 12; m++)
    for (let n = -12; n <= 12; n++) {
      const x = 10 + m * steps[0]![0] + n * steps[1]![0];
      const y = 8 + m * steps[0]![1] + n * steps[1]![1];
      if (x > -GLYPH_W && y > -GLYPH_H && x < W && y < H) out.push([x, y]);
    }
  return out;
}

/**
 * Copy origins of a staggered tiling whose step is odd (161 px): each other row is shifted by ⌊161 / 2⌋ =
 * 80 px, as a loop over rows with integer positions lays them. No lattice holds every copy; the coarse one of
 * (161, 0) and (0, 180) holds each row parity exactly.
 */
function oddStaggeredPlaces(): [number, number][] {
  const out: [number, number][] = [];
  for (let row = -1; 8 + row * 90 < H; row++)
    for (let x = 10 + (row & 1 ? 80 : 0) - 161; x < W; x += 161) out.push([x, 8 + row * 90]);
  return out;
}

/**
 * A textured product over the whole image, no plain ground anywhere: a slow gradient under value noise (a
 * seeded random lattice every 6 px, bilinearly smoothed, ±30 levels) like a fabric's weave seen from afar.
 */
function product(): RawImage {
  const random = seededUniform(12345);
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

/** The mark blended over `photo` at every copy's place, its glyph drawn at the place's fractional phase. */
function tiled(
  photo: RawImage,
  ink: number,
  alpha: number,
  at: readonly [number, number][] = places(STEPS),
  shape: (u: number, v: number) => number = glyph,
): { marked: RawImage; mask: Uint8Array } {
  const marked: RawImage = { ...photo, data: Buffer.from(photo.data) };
  const mask = new Uint8Array(W * H);
  for (const [px, py] of at)
    for (let v = -1; v <= GLYPH_H; v++)
      for (let u = -1; u <= GLYPH_W; u++) {
        const x = Math.floor(px) + u;
        const y = Math.floor(py) + v;
        const s = shape(x - px, y - py);
        if (s <= 0 || x < 0 || y < 0 || x >= W || y >= H) continue;
        const i = y * W + x;
        mask[i] = 1;
        for (let k = 0; k < 3; k++)
          marked.data[i * 4 + k] = Math.round(alpha * s * ink + (1 - alpha * s) * photo.data[i * 4 + k]!);
      }
  return { marked, mask };
}

/** What the text detector would report: text at the copies it read (every third), as a map and its lines. */
function detected(at: readonly [number, number][] = places(STEPS)): { map: TextMap; lines: Region[] } {
  const prob = new Float32Array(W * H);
  const lines: Region[] = [];
  at.forEach(([ox, oy], n) => {
    const px = Math.round(ox);
    const py = Math.round(oy);
    if (n % 3 !== 0 || px < 0 || py < 0 || px + GLYPH_W > W || py + GLYPH_H > H) return;
    for (let y = py + 10; y < py + 30; y++) for (let x = px + 4; x < px + 52; x++) prob[y * W + x] = 0.9;
    const box = { x0: px, y0: py, x1: px + GLYPH_W, y1: py + GLYPH_H };
    lines.push({ box, mask: new Uint8Array(GLYPH_W * GLYPH_H).fill(1), textHeight: 30 });
  });
  return { map: { prob, width: W, height: H, scaleX: 1, scaleY: 1 }, lines };
}

/**
 * Whether the lattice spanned by v1, v2 is the one spanned by STEPS (the same cell, and both steps on it) to
 * within `tolerance` pixels: the found steps are fractional.
 */
function sameLattice(v1: Step, v2: Step, tolerance: number, steps: readonly Step[] = STEPS): boolean {
  const det = v1[0] * v2[1] - v1[1] * v2[0];
  const holds = ([x, y]: Step) => {
    const s = Math.round((x * v2[1] - y * v2[0]) / det);
    const t = Math.round((v1[0] * y - v1[1] * x) / det);
    return Math.hypot(s * v1[0] + t * v2[0] - x, s * v1[1] + t * v2[1] - y) < tolerance;
  };
  const trueDet = steps[0]![0] * steps[1]![1] - steps[0]![1] * steps[1]![0];
  return Math.abs(Math.abs(det) - Math.abs(trueDet)) < 0.01 * Math.abs(trueDet) && steps.every(holds);
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
  it('finds the staggered lattice of a faint mark over a textured product, to a tenth of a pixel', () => {
    const { marked } = tiled(product(), 255, 0.25);
    const lattice = tileLattice(marked, detailOf(marked), () => true);
    expect(lattice).not.toBeNull();
    expect(sameLattice(lattice!.v1, lattice!.v2, 0.1)).toBe(true);
    // Not to the whole pixel only: a step off by half a pixel fails.
    expect(sameLattice([lattice!.v1[0] + 0.5, lattice!.v1[1]], lattice!.v2, 0.1)).toBe(false);
  });

  it('finds a lattice whose steps fall between pixels to a tenth of a pixel', () => {
    const { marked } = tiled(product(), 255, 0.25, places(FRACTIONAL));
    const lattice = tileLattice(marked, detailOf(marked), () => true);
    expect(lattice).not.toBeNull();
    expect(sameLattice(lattice!.v1, lattice!.v2, 0.1, FRACTIONAL)).toBe(true);
  });

  it('finds none the plausibility test refuses', () => {
    const { marked } = tiled(product(), 255, 0.25);
    expect(tileLattice(marked, detailOf(marked), () => false)).toBeNull();
  });
});

describe('LatticeCopies.opacities', () => {
  it("measures each point of the cell once from all its copies and reads it at every pixel's own phase", () => {
    const photo = product();
    const alpha = 0.25;
    const { marked, mask } = tiled(photo, 255, alpha, places(FRACTIONAL));
    const m = cropPlanes(marked, { x0: 0, y0: 0, x1: W, y1: H });
    const under = cropPlanes(photo, { x0: 0, y0: 0, x1: W, y1: H });
    // The left third's ground is misread by 40 levels (as a fill under the strokes misreads a product's edge):
    // its pixels say a wrong opacity, which the copies elsewhere outvote.
    for (let i = 0; i < W * H; i++) if (i % W < W / 3) for (const plane of under) plane[i] = plane[i]! + 40;
    const found = new LatticeCopies({ v1: FRACTIONAL[0]!, v2: FRACTIONAL[1]! }, W, H).opacities(
      mask,
      opacitySaid(m, under, 255, W),
    );
    // The truth at each pixel: the coverage of the copy it lies in, at its own phase.
    const truth = new Float32Array(W * H);
    for (const [px, py] of places(FRACTIONAL))
      for (let y = Math.max(0, Math.floor(py) - 1); y <= Math.min(H - 1, py + GLYPH_H); y++)
        for (let x = Math.max(0, Math.floor(px) - 1); x <= Math.min(W - 1, px + GLYPH_W); x++)
          truth[y * W + x] = Math.max(truth[y * W + x]!, alpha * Math.max(0, glyph(x - px, y - py)));
    const errors: number[] = [];
    for (let i = 0; i < W * H; i++) if (mask[i]) errors.push(Math.abs(found[i]! - truth[i]!));
    errors.sort((a, b) => a - b);
    expect(errors.length).toBeGreaterThan(10_000);
    // Left third included: a pixel read from its own misread ground alone would be off by about 0.25 at the
    // strokes there. Measured per pixel from its own copies, the errors were the same (mean 0.0085, 95th
    // percentile 0.034): what is left is the input's rounding and the anti-aliased edges.
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.01);
    expect(errors[Math.floor(0.95 * errors.length)]).toBeLessThan(0.04);
    // Nothing is read where nothing was marked.
    expect(found.every((a, i) => mask[i] === 1 || a === 0)).toBe(true);
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

  it('restores bold strokes whole, their insides too', () => {
    const photo = product();
    const { marked, mask } = tiled(photo, 255, 0.25, places(STEPS), boldGlyph);
    const { map, lines } = detected();
    const found = latticeMark(marked, map, lines);
    expect(found).not.toBeNull();
    // A fold at full resolution alone found only the strokes' edges and their rim: 1.4 dB.
    expect(psnrOn(found!.restored, photo, mask) - psnrOn(marked, photo, mask)).toBeGreaterThan(15);
  });

  it('restores a mark tiled between pixels, reading each copy at its own phase', () => {
    const photo = product();
    const { marked, mask } = tiled(photo, 255, 0.25, places(FRACTIONAL));
    const { map, lines } = detected(places(FRACTIONAL));
    const found = latticeMark(marked, map, lines);
    expect(found).not.toBeNull();
    expect(psnrOn(found!.restored, photo, mask) - psnrOn(marked, photo, mask)).toBeGreaterThan(10);
    // The blend measured on the output is mostly gone.
    expect(found!.opacityLeft.after / found!.opacityLeft.before).toBeLessThan(0.2);
  });

  it('restores a staggered tiling whose rows are shifted by an odd half step, on the coarse lattice', () => {
    const photo = product();
    const { marked, mask } = tiled(photo, 0, 0.25, oddStaggeredPlaces());
    const { map, lines } = detected(oddStaggeredPlaces());
    const found = latticeMark(marked, map, lines);
    expect(found).not.toBeNull();
    // Two copies per cell: the coarse lattice's cell is twice the fine one's (161 × 90).
    const { v1, v2 } = found!.lattice;
    expect(Math.abs(v1[0] * v2[1] - v1[1] * v2[0])).toBeCloseTo(161 * 180, -2);
    expect(psnrOn(found!.restored, photo, mask) - psnrOn(marked, photo, mask)).toBeGreaterThan(10);
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
