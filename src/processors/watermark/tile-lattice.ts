/**
 * The lattice of a mark tiled across the whole image, found in the image itself rather than from the copies
 * the text detector read: the fine detail of a picture pasted every (v1, v2) correlates with itself at every
 * step of the lattice, while a product's own edges do not repeat. So the autocorrelation of the image's
 * high-pass (at ≤ 512 px, product edges clipped so they cannot drown the faint mark; seen against grey too,
 * for grey marks) peaks on the lattice; the pair of peaks whose lattice points all stand out is taken, then
 * each step is refined at full resolution, to a fraction of a pixel: a grid laid at an angle puts its copies
 * between pixels.
 *
 * A staggered tiling whose row step is odd (rows shifted by ⌊step/2⌋) is no lattice at the fine scale: its
 * half steps do not add up. Then the coarse lattice (two copies per cell) is the exact one, and it comes with
 * the fine one for the fold to choose (`Lattice.coarser`).
 */
import type { RawImage } from '../types.js';
import { autocorrelation } from './autocorrelation.js';
import type { TextMap } from './detect-text.js';
import { highPass, localMean, luminance, MIN_PIVOT_CONTRAST } from './lattice-signal.js';

export type Step = readonly [number, number];

export interface Lattice {
  readonly v1: Step;
  readonly v2: Step;
  /**
   * The lattice of every other copy (the steps' sum and difference), when the rows may be a staggered tiling
   * shifted by an odd half step, which only the coarse lattice holds exactly (see `refinedLattice`).
   */
  readonly coarser?: { readonly v1: Step; readonly v2: Step };
  /** How far the lattice's correlation peaks stand above the median lag's, in spreads (90th percentile − median). */
  readonly score: number;
}

/** Longest side of the image the autocorrelation is computed on. */
const ACF_SIDE = 512;
/** Shortest step a tiling may have, pixels at that scale: finer repeats are the product's texture (weave, mesh). */
const MIN_STEP = 12;
/** Longest step of a reduced lattice basis against its shortest. */
const MAX_STEP_RATIO = 3;
/** Correlation peaks paired into candidate lattices. */
const PEAKS = 16;
/** Lattice points scored around the origin, each way, and the fewest that must fall inside the image. */
const REACH = 3;
const MIN_POINTS = 4;
/** A lattice at least this share of the best score with a smaller cell is the finer, true one. */
const FINER_SHARE = 0.6;
/** Cells up to this factor of the finest candidate's are rivals of it, not coarser lattices (those are ≥ 2×). */
const RIVAL_AREA = 1.25;
/** Cells within this factor are the finest's own lattice, its steps rounded otherwise. */
const RIVAL_SAME = 1.03;
/** How much better a rival must score to be taken. */
const RIVAL_MARGIN = 1.3;
/** Lattice score the tiling must reach (peaks this many spreads above the median correlation). */
const MIN_SCORE = 2;

/**
 * The lattice of a tiled mark in the image, or null when nothing repeats across it or `plausible` refuses its
 * steps (scaled to full resolution, before the costlier refinement). `detail` gives the image's
 * full-resolution high-pass (`lattice-signal.ts`, with the pivot the lattice was found with), for the
 * refinement.
 */
export function tileLattice(
  image: RawImage,
  detail: (pivot: number | undefined) => Float32Array,
  plausible: (v1: Step, v2: Step) => boolean,
): Lattice | null {
  const { width: W, height: H } = image;
  const factor = Math.max(1, Math.ceil(Math.max(W, H) / ACF_SIDE));
  const w = Math.floor(W / factor);
  const h = Math.floor(H / factor);
  if (w < 4 * MIN_STEP || h < 4 * MIN_STEP) return null;
  const lum = luminance(image, factor);
  const mean = localMean(lum, w, h);
  // The plain detail for white and black marks, the detail against grey for grey ones (see `highPass`).
  let found: (Candidate & { pivot: number | undefined }) | null = null;
  for (const pivot of PIVOTS) {
    // Against a pivot the ground lies wholly on one side of, the detail is the plain one (one sign flipped).
    if (pivot !== undefined && !onBothSides(mean, pivot)) continue;
    const best = bestCandidate(highPass(lum, mean, pivot), w, h);
    if (best && (!found || best.score > found.score)) found = { ...best, pivot };
  }
  if (!found) return null;
  const scaled = (v: Step): Step => [v[0] * factor, v[1] * factor];
  if (!plausible(scaled(found.v1), scaled(found.v2))) return null;
  return { ...refinedLattice(detail(found.pivot), W, H, found.v1, found.v2, factor), score: found.score };
}

/** Levels the detail is seen against: none (white and black marks), and mid grey. */
const PIVOTS = [undefined, 128] as const;

/** Share of the image whose ground must lie on each side of a pivot for the pivot to change anything. */
const SIDE_SHARE = 0.05;

/** Whether a fair share of the ground lies clearly above the pivot, and another clearly below it. */
function onBothSides(mean: Float32Array, pivot: number): boolean {
  let above = 0;
  let below = 0;
  for (const v of mean) {
    if (v >= pivot + MIN_PIVOT_CONTRAST) above++;
    else if (v <= pivot - MIN_PIVOT_CONTRAST) below++;
  }
  return above >= SIDE_SHARE * mean.length && below >= SIDE_SHARE * mean.length;
}

interface Candidate {
  readonly v1: Step;
  readonly v2: Step;
  readonly score: number;
  readonly cell: number;
}

/**
 * The lattice the small-scale signal repeats on, if any: the finest of those scoring nearly as well as the
 * best, unless a rival of about its cell scores clearly better.
 */
function bestCandidate(small: Float32Array, w: number, h: number): Candidate | null {
  let mean = 0;
  for (const v of small) mean += v;
  mean /= small.length;
  for (let i = 0; i < small.length; i++) small[i]! -= mean;
  // Lattice points are scored up to 0.6 of the height away, with a lag's neighbours.
  const acf = autocorrelation(small, w, h, Math.ceil(0.6 * h) + 2);
  // The strongest of 3 × 3 lags: a step at this scale may fall between two of them.
  const near = (x: number, y: number) => {
    let m = Number.NEGATIVE_INFINITY;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m = Math.max(m, acf.at(x + dx, y + dy));
    return m;
  };
  const { peaks, median, spread } = peaksOf(acf.at, w, h);
  if (spread <= 0) return null;
  const candidates: Candidate[] = [];
  for (let p = 0; p < peaks.length; p++)
    for (let q = p + 1; q < peaks.length; q++) {
      const basis = reduced(peaks[p]!, peaks[q]!);
      if (!basis) continue;
      const [a, b] = basis;
      // Copies of a text set in rows: the steps along and across the rows are alike in length. A long thin
      // cell is the product's stripes, or a row of identical products.
      if (Math.hypot(...b) > MAX_STEP_RATIO * Math.hypot(...a)) continue;
      let sum = 0;
      let points = 0;
      for (let i = -REACH; i <= REACH; i++)
        for (let j = -REACH; j <= REACH; j++) {
          const x = i * a[0] + j * b[0];
          const y = i * a[1] + j * b[1];
          if ((i === 0 && j === 0) || Math.abs(x) > 0.6 * w || Math.abs(y) > 0.6 * h) continue;
          sum += (near(x, y) - median) / spread;
          points++;
        }
      if (points >= MIN_POINTS) candidates.push({ v1: a, v2: b, score: sum / points, cell: cellArea(a, b) });
    }
  if (candidates.length === 0) return null;
  const top = Math.max(...candidates.map((c) => c.score));
  if (top < MIN_SCORE) return null;
  // A coarser lattice (every other copy) scores as well as the true one: the finest that nearly matches it.
  const good = candidates.filter((c) => c.score >= FINER_SHARE * top).sort((p, q) => p.cell - q.cell);
  const finest = good[0]!;
  // A lattice of a few per cent larger cell is no coarser one but a rival: a peak of the text's own letters
  // lies a few pixels off a true step. The rival that scores clearly better is the true one. (Cells within
  // RIVAL_SAME are the same lattice, rounded at this scale.)
  const rival = good
    .filter((c) => c.cell > RIVAL_SAME * finest.cell && c.cell <= RIVAL_AREA * finest.cell)
    .sort((p, q) => q.score - p.score)[0];
  return rival && rival.score >= RIVAL_MARGIN * finest.score ? rival : finest;
}

/** Pixels in one cell of the lattice spanned by v1 and v2 (|det|); 0 when they are parallel. */
export const cellArea = (v1: Step, v2: Step): number => Math.abs(v1[0] * v2[1] - v1[1] * v2[0]);

interface Peak {
  readonly x: number;
  readonly y: number;
  readonly value: number;
}

/** The strongest local maxima of the autocorrelation over half the lag plane, and its median and spread. */
function peaksOf(at: (x: number, y: number) => number, w: number, h: number) {
  // The lags searched, and a 2-lag margin for the neighbourhood test, read once into a table.
  const hw = w >> 1;
  const hh = h >> 1;
  const tw = 2 * hw + 4;
  const table = new Float64Array(tw * (hh + 4));
  for (let y = -2; y < hh + 2; y++)
    for (let x = -hw - 2; x < hw + 2; x++) table[(y + 2) * tw + x + hw + 2] = at(x, y);
  const peaks: Peak[] = [];
  const values: number[] = [];
  for (let y = 0; y < hh; y++)
    for (let x = -hw; x < hw; x++) {
      if (Math.hypot(x, y) < MIN_STEP || (y === 0 && x < 0)) continue;
      const centre = (y + 2) * tw + x + hw + 2;
      const v = table[centre]!;
      if ((x & 1) === 0 && (y & 1) === 0) values.push(v);
      let highest = true;
      for (let dy = -2; dy <= 2 && highest; dy++)
        for (let dx = -2; dx <= 2; dx++)
          if ((dx !== 0 || dy !== 0) && table[centre + dy * tw + dx]! > v) {
            highest = false;
            break;
          }
      if (highest) peaks.push({ x, y, value: v });
    }
  values.sort((a, b) => a - b);
  const median = values[values.length >> 1] ?? 0;
  const spread = (values[Math.floor(0.9 * values.length)] ?? 0) - median;
  peaks.sort((a, b) => b.value - a.value);
  return { peaks: peaks.slice(0, PEAKS), median, spread };
}

/** Two peaks as a reduced lattice basis (Lagrange–Gauss), or null when they are parallel or too short. */
function reduced(p: Peak, q: Peak): [Step, Step] | null {
  let a: [number, number] = [p.x, p.y];
  let b: [number, number] = [q.x, q.y];
  if (cellArea(a, b) < MIN_STEP * MIN_STEP) return null;
  for (let k = 0; k < 16; k++) {
    if (Math.hypot(...a) > Math.hypot(...b)) [a, b] = [b, a];
    const mu = Math.round((a[0] * b[0] + a[1] * b[1]) / (a[0] * a[0] + a[1] * a[1]));
    if (mu === 0) break;
    b = [b[0] - mu * a[0], b[1] - mu * a[1]];
  }
  return Math.hypot(...a) >= MIN_STEP ? [a, b] : null;
}

/**
 * The wide whole-pixel search (81 lags a step at 1 MP) first screens each lag on every SCREEN_STRIDE-th sample,
 * then sums all samples at the SCREEN_KEEP lags that screened best: on the 45 tiled images of the synthetic
 * sets it picks the same steps as summing every lag, 25–35 ms sooner.
 */
const SCREEN_STRIDE = 4;
const SCREEN_KEEP = 12;
/** Pixels of the full-resolution high-pass sampled for the refinement (the strongest detail). */
const REFINE_SAMPLES = 60_000;

/**
 * The steps at full resolution. First to the whole pixel: each where the high-pass correlates best within the
 * small scale's rounding. Then to a fraction of a pixel (`subPixel`). When the steps do not add up at the
 * whole pixel, or one lands half a pixel between two, the coarse lattice of their sum and difference may be
 * the true one, and comes too (`Lattice.coarser`).
 */
function refinedLattice(
  detail: Float32Array,
  W: number,
  H: number,
  a: Step,
  b: Step,
  factor: number,
): Omit<Lattice, 'score'> {
  const sample = strongest(detail, REFINE_SAMPLES);
  const sampleX = sample.map((i) => i % W);
  const sampleY = sample.map((i) => (i / W) | 0);
  const sampleValue = Float32Array.from(sample, (i) => detail[i]!);
  // The samples run in pixel order: those whose row stays inside the image at a lag are one run.
  const firstAtRow = (row: number) => {
    let lo = 0;
    let hi = sample.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sampleY[mid]! < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // The correlation of the samples with the detail a lag away, over every `stride`-th sample.
  const correlation = (vx: number, vy: number, stride: number) => {
    let s = 0;
    let n = 0;
    const end = firstAtRow(H - vy);
    const shift = vy * W + vx;
    for (let k = firstAtRow(-vy); k < end; k += stride) {
      const x = sampleX[k]! + vx;
      if (x < 0 || x >= W) continue;
      s += sampleValue[k]! * detail[sample[k]! + shift]!;
      n++;
    }
    return n ? s / n : Number.NEGATIVE_INFINITY;
  };
  // The fits below come back to the same lags (each lattice point's neighbours): each is summed once.
  const known = new Map<number, number>();
  const corr = (vx: number, vy: number) => {
    const key = vy * 2 * W + vx;
    const seen = known.get(key);
    if (seen !== undefined) return seen;
    const value = correlation(vx, vy, 1);
    known.set(key, value);
    return value;
  };
  // The lag within r of (x, y) that correlates best; beyond the 3 × 3 step, among those that screen best.
  const refine = (x: number, y: number, r: number): Step => {
    let lags: { dx: number; dy: number }[] = [];
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) lags.push({ dx, dy });
    if (r > 1)
      lags = lags
        .map((l) => ({ ...l, screen: correlation(x + l.dx, y + l.dy, SCREEN_STRIDE) }))
        .sort((p, q) => q.screen - p.screen)
        .slice(0, SCREEN_KEEP)
        // Back in scan order, so that ties go to the same lag as a full scan's.
        .sort((p, q) => p.dy - q.dy || p.dx - q.dx);
    let best: Step = [x, y];
    let top = Number.NEGATIVE_INFINITY;
    for (const { dx, dy } of lags) {
      const c = corr(x + dx, y + dy);
      if (c > top) {
        top = c;
        best = [x + dx, y + dy];
      }
    }
    return best;
  };
  const r = factor + 1;
  const v1 = refine(Math.round(a[0] * factor), Math.round(a[1] * factor), r);
  const v2 = refine(Math.round(b[0] * factor), Math.round(b[1] * factor), r);
  const sum = refine(v1[0] + v2[0], v1[1] + v2[1], 1);
  const diff = refine(v1[0] - v2[0], v1[1] - v2[1], 1);
  const fine = subPixel(corr, W, H, v1, v2);
  const coarse = reduced({ x: sum[0], y: sum[1], value: 0 }, { x: diff[0], y: diff[1], value: 0 });
  if (!coarse) return fine;
  const closes = (s: Step, x: number, y: number) => s[0] === x && s[1] === y;
  const halfway = (v: number) => Math.abs(v - Math.floor(v) - 0.5) < HALF_PHASE;
  // Steps that do not add up at the whole pixel are fractional (a grid at an angle), or the rows of a
  // staggered tiling are shifted by an odd half step and only the coarse lattice is exact; a step that lands
  // half a pixel between two may be that stagger too. The fold tells them apart.
  const stagger =
    !closes(sum, v1[0] + v2[0], v1[1] + v2[1]) ||
    !closes(diff, v1[0] - v2[0], v1[1] - v2[1]) ||
    [...fine.v1, ...fine.v2].some(halfway);
  return stagger ? { ...fine, coarser: subPixel(corr, W, H, coarse[0], coarse[1]) } : fine;
}

/** How near half a pixel a step's fraction must be to suggest an odd stagger. */
const HALF_PHASE = 0.15;

/**
 * The steps to a fraction of a pixel. A mark tiled along a rotated grid lands between pixels, each copy at
 * its own phase (steps of 171.3 px, not 171): folded on whole-pixel steps, the copies drift apart by a pixel
 * every few steps. So each lattice point within reach is located where the correlation peaks, between pixels
 * by a parabola through its neighbours, and the steps are the least-squares fit to all of them: a point three
 * steps out pins each step three times as finely.
 */
function subPixel(
  corr: (x: number, y: number) => number,
  W: number,
  H: number,
  v1: Step,
  v2: Step,
): { v1: Step; v2: Step } {
  // Normal equations of P(i, j) ≈ i·v1 + j·v2, one set per coordinate.
  let sii = 0;
  let sij = 0;
  let sjj = 0;
  const si = [0, 0];
  const sj = [0, 0];
  let fit = { v1, v2 };
  for (let i = 0; i <= REACH; i++)
    for (let j = -REACH; j <= REACH; j++) {
      // One of each ± pair: the correlation at −k is the one at k.
      if (i === 0 && j <= 0) continue;
      const px = i * fit.v1[0] + j * fit.v2[0];
      const py = i * fit.v1[1] + j * fit.v2[1];
      if (Math.abs(px) > 0.6 * W || Math.abs(py) > 0.6 * H) continue;
      const peak = peakNear(corr, Math.round(px), Math.round(py));
      if (!peak) continue;
      sii += i * i;
      sij += i * j;
      sjj += j * j;
      for (let c = 0; c < 2; c++) {
        si[c]! += i * peak[c]!;
        sj[c]! += j * peak[c]!;
      }
      const det = sii * sjj - sij * sij;
      // Once two independent points are in, farther points are predicted from the fit so far.
      if (Math.abs(det) > 1e-9) {
        const solve = (c: number): [number, number] => [
          (sjj * si[c]! - sij * sj[c]!) / det,
          (sii * sj[c]! - sij * si[c]!) / det,
        ];
        const [x1, x2] = solve(0);
        const [y1, y2] = solve(1);
        fit = { v1: [x1, y1], v2: [x2, y2] };
      }
    }
  return fit;
}

/**
 * Where the correlation peaks near (x, y), to a fraction of a pixel (a parabola through the best whole lag
 * and its neighbours along each axis), or null when the best lag lies on the 3 × 3 window's edge.
 */
function peakNear(corr: (x: number, y: number) => number, x: number, y: number): Step | null {
  const c = new Float64Array(9);
  let best = 4;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const k = (dy + 1) * 3 + dx + 1;
      c[k] = corr(x + dx, y + dy);
      if (c[k]! > c[best]!) best = k;
    }
  if (best !== 4) {
    // Re-centred once on the better neighbour: the prediction was off by a pixel.
    const bx = x + (best % 3) - 1;
    const by = y + Math.floor(best / 3) - 1;
    const around = [corr(bx - 1, by), corr(bx, by), corr(bx + 1, by), corr(bx, by - 1), corr(bx, by + 1)];
    if (
      around[0]! > around[1]! ||
      around[2]! > around[1]! ||
      around[3]! > around[1]! ||
      around[4]! > around[1]!
    )
      return null;
    return [bx + vertex(around[0]!, around[1]!, around[2]!), by + vertex(around[3]!, around[1]!, around[4]!)];
  }
  return [x + vertex(c[3]!, c[4]!, c[5]!), y + vertex(c[1]!, c[4]!, c[7]!)];
}

/** Offset of a parabola's vertex through (−1, l), (0, m), (1, r) from 0, within ±0.5. */
function vertex(l: number, m: number, r: number): number {
  const curvature = l - 2 * m + r;
  if (curvature >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (l - r) / (2 * curvature)));
}

/** Indices of the `n` pixels with the largest |value| (about: by a threshold on a histogram of magnitudes). */
function strongest(values: Float32Array, n: number): Int32Array {
  const hist = new Int32Array(64);
  for (const v of values) hist[Math.min(63, Math.floor(Math.abs(v)))]!++;
  let level = 63;
  for (let total = 0; level > 0 && total + hist[level]! < n; level--) total += hist[level]!;
  const out: number[] = [];
  for (let i = 0; i < values.length && out.length < n; i++) if (Math.abs(values[i]!) >= level) out.push(i);
  return Int32Array.from(out);
}

/**
 * Whether the text the detector read recurs on the lattice: some text region has text again at one of its
 * lattice translates. The detector reads a faint tiled mark in only some of its copies (5 of 19 on a grey bag),
 * in pieces, so one is all that can be asked; a product's repeating weave, stripes or a row of identical
 * products have no text a step on, and the lattice's shape and the fold's tests do the rest.
 */
export function textRecurs(
  map: TextMap,
  centres: readonly Step[],
  lattice: { readonly v1: Step; readonly v2: Step },
  width: number,
  height: number,
): boolean {
  const probAt = (x: number, y: number) => {
    const mx = Math.round(x / map.scaleX);
    const my = Math.round(y / map.scaleY);
    let p = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const u = mx + dx;
        const v = my + dy;
        if (u >= 0 && v >= 0 && u < map.width && v < map.height)
          p = Math.max(p, map.prob[v * map.width + u]!);
      }
    return p;
  };
  const { v1, v2 } = lattice;
  for (const [cx, cy] of centres) {
    let hits = 0;
    for (let i = -REACH; i <= REACH; i++)
      for (let j = -REACH; j <= REACH; j++) {
        if (i === 0 && j === 0) continue;
        const x = cx + i * v1[0] + j * v2[0];
        const y = cy + i * v1[1] + j * v2[1];
        if (x >= 0 && y >= 0 && x < width && y < height && probAt(x, y) >= TEXT_PROBABILITY) hits++;
      }
    if (hits >= MIN_TEXT_REPEATS) return true;
  }
  return false;
}

/** Text probability that counts as text read at a translate (the detector's binary threshold). */
const TEXT_PROBABILITY = 0.3;
/** Translates of one region where text must be read again. */
const MIN_TEXT_REPEATS = 1;
