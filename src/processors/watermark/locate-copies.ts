/**
 * The copies of a tiled mark, found with its template (`mark-template.ts`): from each copy placed, every step
 * between copies (`repeat-steps.ts`) says roughly where a neighbour is; the neighbour is placed where the
 * template's blend explains the edges best, and the search goes on from it.
 *
 * The test at a place: removing the blend changes the picture by `G = a·(I − c)/(1 − a)` (a = α × the
 * template's coverage there). Across each edge of the mark, a pair of neighbours whose coverage differs, the
 * mark adds a jump to the picture's; the strength k that cancels it, `I' + k·G' = 0` (projected over the
 * channels), is ≈ 1 where the mark is and scattered around 0 where it is not. Over a textured product some
 * pairs also hold the texture's own edges, so the test takes the weighted median of k (the strength) and
 * the share of pairs, weighted by the size of the jump, within ±0.35 of 1 (the agreement): a global least
 * squares fit would let the texture drag k down. Steps inside a stroke are left out, where un-blending
 * rightly amplifies the ground's texture by 1/(1 − a). On the synthetic tests a copy over stripes agrees
 * 0.6–0.8, a place between copies under 0.1.
 */
import type { RawImage } from '../types.js';
import type { BlendModel } from './estimate-alpha.js';
import { type MarkTemplate, placedBox, shifted } from './mark-template.js';
import type { Step } from './repeat-steps.js';

/** A copy of the template: its offset (whole pixels) from where the template was measured, and its test. */
export interface Copy {
  readonly dx: number;
  readonly dy: number;
  /** The template at the copy's fraction of a pixel. */
  readonly template: MarkTemplate;
  /** Share of the edge steps (weighted by the jump the mark makes) that its blend cancels, 0..1. */
  readonly agreement: number;
  /** The blend's strength that cancels the steps, their weighted median, as a share of the mark's opacity. */
  readonly strength: number;
}

/** Agreement a copy needs (see `testAt`). */
const MIN_AGREEMENT = 0.4;
/** Blend strengths a copy may show, as a share of the mark's opacity. */
const STRENGTH_RANGE: readonly [number, number] = [0.7, 1.4];
/** The same for a copy exactly where a step from a placed copy predicts it. */
const MIN_AGREEMENT_ON_STEP = 0.25;
const STRENGTH_ON_STEP: readonly [number, number] = [0.6, 1.5];
/** Whole pixels searched around the place a step predicts. */
const SEARCH_PX = 3;
/** Support pixels sampled in the coarse search (every n-th). */
const COARSE_STRIDE = 3;
/** Share of the template's support that must fall inside the image to test a place. */
const MIN_INSIDE = 0.4;
/** Change of a/(1 − a) between neighbours that makes a step cross the mark's edge (a 0.3 mark: a tenth of it). */
const EDGE_FACTOR = 0.04;
/** Strengths binned from R_MIN to R_MAX in BINS bins; a step agrees with the mark within ±AGREE of 1. */
const R_MIN = -1;
const R_MAX = 2.5;
const BINS = 70;
const AGREE = 0.35;
/** Opacity above which a pixel's blend is not inverted in the test (the division would blow up its noise). */
const MAX_TEST_ALPHA = 0.9;
/** Copies placed at most, a guard against a runaway search. */
const MAX_COPIES = 400;

/** The steps across a template's edges, with a/(1 − a) at both ends (see `testAt`). */
interface EdgePairs {
  /** Template pixel where each step starts. */
  readonly at: Int32Array;
  /** 1 when the step goes to the pixel below, 0 to the right. */
  readonly down: Uint8Array;
  readonly f0: Float32Array;
  readonly f1: Float32Array;
}

const pairsCache = new WeakMap<MarkTemplate, { alpha: number; pairs: EdgePairs }>();

/**
 * Steps between neighbours whose coverage differs (a/(1 − a) by more than `EDGE_FACTOR`): only those say
 * anything about the mark; inside a stroke, un-blending rightly amplifies the ground's own texture by
 * 1/(1 − a). Computed once per template (and phase).
 */
function edgePairs(t: MarkTemplate, alpha: number): EdgePairs {
  const cached = pairsCache.get(t);
  if (cached && cached.alpha === alpha) return cached.pairs;
  const { width: tw, height: th, coverage, support } = t;
  const factor = (x: number, y: number) => {
    if (x >= tw || y >= th) return 0;
    const a = Math.min(MAX_TEST_ALPHA, alpha * coverage[y * tw + x]!);
    return a / (1 - a);
  };
  const at: number[] = [];
  const down: number[] = [];
  const f0: number[] = [];
  const f1: number[] = [];
  for (const u of support) {
    const ux = u % tw;
    const uy = (u - ux) / tw;
    const f = factor(ux, uy);
    for (const [step, fn] of [
      [0, factor(ux + 1, uy)],
      [1, factor(ux, uy + 1)],
    ] as const) {
      if (Math.abs(fn - f) <= EDGE_FACTOR) continue;
      at.push(u);
      down.push(step);
      f0.push(f);
      f1.push(fn);
    }
  }
  const pairs = {
    at: Int32Array.from(at),
    down: Uint8Array.from(down),
    f0: Float32Array.from(f0),
    f1: Float32Array.from(f1),
  };
  pairsCache.set(t, { alpha, pairs });
  return pairs;
}

/** Tests the template's blend at offset (dx, dy) (see the module comment); every `stride`-th support pixel. */
export function testAt(
  image: RawImage,
  t: MarkTemplate,
  model: BlendModel,
  dx: number,
  dy: number,
  stride = 1,
): Copy {
  const { width: W, height: H, data } = image;
  const [c0, c1, c2] = model.colour;
  const { at, down, f0, f1 } = edgePairs(t, model.alpha);
  const tw = t.width;
  const ox = t.x0 + dx;
  const oy = t.y0 + dy;
  const hist = new Float64Array(BINS);
  let total = 0;
  let inside = 0;
  let tested = 0;
  for (let k = 0; k < at.length; k += stride) {
    const u = at[k]!;
    const ux = u % tw;
    const x = ox + ux;
    const y = oy + (u - ux) / tw;
    tested++;
    if (x < 0 || y < 0 || x + 1 >= W || y + 1 >= H) continue;
    inside++;
    // The step to the right or down neighbour: the strength that cancels the mark's jump there, weighted by
    // how large that jump is.
    const j = (y * W + x) * 4;
    const jn = down[k] ? j + 4 * W : j + 4;
    const f = f0[k]!;
    const fn = f1[k]!;
    const i0 = data[j]!;
    const i1 = data[jn]!;
    const g0 = fn * (i1 - c0) - f * (i0 - c0);
    const i2 = data[j + 1]!;
    const i3 = data[jn + 1]!;
    const g1 = fn * (i3 - c1) - f * (i2 - c1);
    const i4 = data[j + 2]!;
    const i5 = data[jn + 2]!;
    const g2 = fn * (i5 - c2) - f * (i4 - c2);
    const den = g0 * g0 + g1 * g1 + g2 * g2;
    if (den <= 0) continue;
    const num = (i1 - i0) * g0 + (i3 - i2) * g1 + (i5 - i4) * g2;
    const bin = Math.floor(((-num / den - R_MIN) / (R_MAX - R_MIN)) * BINS);
    const b = bin < 0 ? 0 : bin >= BINS ? BINS - 1 : bin;
    hist[b] = hist[b]! + den;
    total += den;
  }
  if (inside < MIN_INSIDE * tested || total <= 0) return { dx, dy, template: t, agreement: 0, strength: 0 };
  // Weighted median strength, and the share of the weight at a strength near the mark's own.
  let acc = 0;
  let median = R_MIN;
  for (let b = 0; b < BINS; b++) {
    acc += hist[b]!;
    if (acc >= total / 2) {
      median = R_MIN + ((b + 0.5) / BINS) * (R_MAX - R_MIN);
      break;
    }
  }
  let near = 0;
  for (let b = 0; b < BINS; b++) {
    const r = R_MIN + ((b + 0.5) / BINS) * (R_MAX - R_MIN);
    if (Math.abs(r - 1) <= AGREE) near += hist[b]!;
  }
  return { dx, dy, template: t, agreement: near / total, strength: median };
}

/**
 * The best place within `radius` of (dx, dy): a coarse pass on a sample of the support, then ±1 in full, then
 * the fraction of a pixel (quarters) from the templates in `phases`.
 */
export function placeAround(
  image: RawImage,
  phases: Phases,
  model: BlendModel,
  dx: number,
  dy: number,
  radius: number,
): Copy {
  const t = phases.at(0, 0);
  let best = testAt(image, t, model, dx, dy, COARSE_STRIDE);
  for (let sy = -radius; sy <= radius; sy++)
    for (let sx = -radius; sx <= radius; sx++) {
      const c = testAt(image, t, model, dx + sx, dy + sy, COARSE_STRIDE);
      if (c.agreement > best.agreement) best = c;
    }
  let fine = testAt(image, t, model, best.dx, best.dy);
  for (let sy = -1; sy <= 1; sy++)
    for (let sx = -1; sx <= 1; sx++) {
      if (sx === 0 && sy === 0) continue;
      const c = testAt(image, t, model, best.dx + sx, best.dy + sy);
      if (c.agreement > fine.agreement) fine = c;
    }
  // The fraction of a pixel across, then down (the two barely interact).
  let phased = fine;
  let fx = 0;
  for (const f of PHASES) {
    if (f === 0) continue;
    const c = testAt(image, phases.at(f, 0), model, fine.dx, fine.dy);
    if (c.agreement > phased.agreement) {
      phased = c;
      fx = f;
    }
  }
  for (const f of PHASES) {
    if (f === 0) continue;
    const c = testAt(image, phases.at(fx, f), model, fine.dx, fine.dy);
    if (c.agreement > phased.agreement) phased = c;
  }
  return phased;
}

/** Fractions of a pixel a copy is placed at, each way. */
const PHASES = [-0.25, 0, 0.25, 0.5] as const;

/** The template at quarter-pixel fractions, made when first asked for. */
export interface Phases {
  at(fx: number, fy: number): MarkTemplate;
}

export function phasesOf(t: MarkTemplate): Phases {
  const made = new Map<string, MarkTemplate>([['0,0', t]]);
  return {
    at(fx, fy) {
      const key = `${fx},${fy}`;
      let p = made.get(key);
      if (!p) {
        p = shifted(t, fx, fy);
        made.set(key, p);
      }
      return p;
    },
  };
}

/**
 * A copy passes the test outright, or, where it sits exactly where its neighbour's step puts it (within a pixel),
 * a weaker one: the tiling's regularity is evidence too, and over the product's texture the picture's own edges
 * dilute the correlation and the strength.
 */
const accepted = (c: Copy, px: number, py: number) =>
  Math.max(Math.abs(c.dx - px), Math.abs(c.dy - py)) <= 1
    ? c.agreement >= MIN_AGREEMENT_ON_STEP &&
      c.strength >= STRENGTH_ON_STEP[0] &&
      c.strength <= STRENGTH_ON_STEP[1]
    : c.agreement >= MIN_AGREEMENT && c.strength >= STRENGTH_RANGE[0] && c.strength <= STRENGTH_RANGE[1];

/**
 * Every copy reachable from the template's own place by the steps, each step both ways, each copy placed on
 * its own (tilings are pasted at rounded places, not on an exact lattice), or those found until `enough` says
 * so. The template's own place comes first.
 */
export function locateCopies(
  image: RawImage,
  t: MarkTemplate,
  model: BlendModel,
  steps: readonly Step[],
  enough: (placed: readonly Copy[]) => boolean = () => false,
): Copy[] {
  if (steps.length === 0) return [];
  const phases = phasesOf(t);
  const own = testAt(image, t, model, 0, 0);
  const placed: Copy[] = [own];
  const tried: Step[] = [[0, 0]];
  const spacing = Math.min(...steps.map((s) => Math.hypot(s[0], s[1])));
  const all = steps.flatMap((s) => [s, [-s[0], -s[1]] as Step]);
  for (let next = 0; next < placed.length && placed.length < MAX_COPIES && !enough(placed); next++) {
    const from = placed[next]!;
    for (const [sx, sy] of all) {
      const px = from.dx + sx;
      const py = from.dy + sy;
      if (tried.some(([x, y]) => Math.hypot(x - px, y - py) < spacing / 3)) continue;
      tried.push([px, py]);
      if (insideShare(image, t, px, py) < MIN_INSIDE) continue;
      const c = placeAround(image, phases, model, px, py, SEARCH_PX);
      if (accepted(c, px, py) && !placed.some((p) => Math.hypot(p.dx - c.dx, p.dy - c.dy) < spacing / 3))
        placed.push(c);
    }
  }
  return placed;
}

/** Share of the template's box that falls inside the image at offset (dx, dy). */
function insideShare(image: RawImage, t: MarkTemplate, dx: number, dy: number): number {
  const { x0, y0, x1, y1 } = placedBox(image, t, dx, dy);
  return x1 > x0 && y1 > y0 ? ((x1 - x0) * (y1 - y0)) / (t.width * t.height) : 0;
}
