/**
 * One candidate region, measured: the background under it, the blend that best explains its deviations, and
 * the mark's coverage per pixel. Classification and removal read these; nothing here changes pixels.
 */
import { grownBox, labelMask } from '../connected-components.js';
import type { RawImage } from '../types.js';
import {
  type BlendModel,
  coverage,
  fillUnder,
  fitBlend,
  medianBackground,
  type Planes,
  shapeCoverage,
  UnmarkedSums,
} from './estimate-alpha.js';
import { type Box, dilate, erode, maskAbove } from './raster.js';

export interface Region {
  readonly box: Box;
  /** 1 where the mark may be, over `box`. */
  readonly mask: Uint8Array;
  /** Height of the text or size of the mark's strokes' context, image pixels. */
  readonly textHeight: number;
}

export interface RegionAnalysis {
  /** The crop the analysis covers (the region's box plus context). */
  readonly box: Box;
  readonly width: number;
  readonly height: number;
  readonly pixels: Planes;
  readonly background: Planes;
  readonly model: BlendModel;
  /** Per-pixel coverage by the mark over `box`, 0..1. */
  readonly coverage: Float32Array;
  /** Pixels with coverage above one half. */
  readonly strokePixels: number;
  /** Region mask over `box`. */
  readonly regionMask: Uint8Array;
  /** Thinnest stroke kept, pixels. */
  readonly minStroke: number;
  /** The median background the analysis started from (kept to re-measure the region with another blend). */
  readonly median: Planes;
}

/** JPEG-level noise we never try to explain, in 8-bit levels. */
export const NOISE_LEVELS = 2;

/** Pixels kept around a region after its background is measured (the anti-aliased rim and the fill's reach). */
const INNER_MARGIN_PX = 8;

/** The part `inner` of planes that cover `outer` (`width` wide). */
function subCrop(planes: Planes, width: number, outer: Box, inner: Box): Planes {
  const w = inner.x1 - inner.x0;
  const h = inner.y1 - inner.y0;
  return planes.map((p) => {
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      const from = (y + inner.y0 - outer.y0) * width + inner.x0 - outer.x0;
      out.set(p.subarray(from, from + w), y * w);
    }
    return out;
  }) as Planes;
}

export function cropPlanes(image: RawImage, box: Box): Planes {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const planes: Planes = [new Float32Array(w * h), new Float32Array(w * h), new Float32Array(w * h)];
  for (let y = 0; y < h; y++) {
    let j = ((y + box.y0) * image.width + box.x0) * 4;
    for (let x = 0; x < w; x++, j += 4) {
      const i = y * w + x;
      planes[0][i] = image.data[j]!;
      planes[1][i] = image.data[j + 1]!;
      planes[2][i] = image.data[j + 2]!;
    }
  }
  return planes;
}

/**
 * A region's crop, its median background and its mask: what every blend tried on it is measured against. The
 * blend fitted over all its deviating pixels is fitted once, when first asked for (`bothSidesFit`).
 */
export interface RegionMeasure {
  readonly region: Region;
  /** The crop (the region's box and a small rim) and its size. */
  readonly box: Box;
  readonly width: number;
  readonly height: number;
  readonly pixels: Planes;
  readonly median: Planes;
  /** Region mask over `box`. */
  readonly regionMask: Uint8Array;
  /** Region pixels that differ from the median by more than JPEG noise: the pixels a blend is fitted on. */
  readonly deviating: () => Int32Array;
  readonly bothSidesFit: () => BlendModel | null;
}

/** Crops a region with the context its median background needs, and measures that background. */
export function measureRegion(image: RawImage, region: Region): RegionMeasure {
  const radius = Math.max(4, Math.round(0.6 * region.textHeight));
  const box = grownBox(region.box, radius, image.width, image.height);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const regionMask = new Uint8Array(w * h);
  const rw = region.box.x1 - region.box.x0;
  for (let y = region.box.y0; y < region.box.y1; y++)
    for (let x = region.box.x0; x < region.box.x1; x++)
      regionMask[(y - box.y0) * w + (x - box.x0)] =
        region.mask[(y - region.box.y0) * rw + (x - region.box.x0)]!;

  const wide = cropPlanes(image, box);
  // The median needs the context around the region; everything after works on the region and a small rim.
  const inner: Box = {
    x0: Math.max(box.x0, region.box.x0 - INNER_MARGIN_PX),
    y0: Math.max(box.y0, region.box.y0 - INNER_MARGIN_PX),
    x1: Math.min(box.x1, region.box.x1 + INNER_MARGIN_PX),
    y1: Math.min(box.y1, region.box.y1 + INNER_MARGIN_PX),
  };
  const pixels = subCrop(wide, w, box, inner);
  const median = medianBackground(wide, w, h, radius, {
    x0: inner.x0 - box.x0,
    y0: inner.y0 - box.y0,
    x1: inner.x1 - box.x0,
    y1: inner.y1 - box.y0,
  });
  const mask = Uint8Array.from(subCrop([Float32Array.from(regionMask), wide[1], wide[2]], w, box, inner)[0]);
  const deviatingPixels = once(() => deviating(pixels, median, mask, 4 * NOISE_LEVELS));
  return {
    region,
    box: inner,
    width: inner.x1 - inner.x0,
    height: inner.y1 - inner.y0,
    pixels,
    median,
    regionMask: mask,
    deviating: deviatingPixels,
    bothSidesFit: once(() => fitBlend(pixels, median, deviatingPixels(), NOISE_LEVELS)),
  };
}

/** `f`, computed on the first call and remembered. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/**
 * Measures a region: its background, the blend that fits it (or `given`, a blend found elsewhere, kept as it is),
 * and its coverage, refined twice. With `fit` 'one side', the blend is fitted over the pixels lighter than their
 * background or over those darker, whichever explains more, and only where one fit over both explains little
 * (null otherwise: the region's first analysis stands).
 */
export function analyseRegion(
  image: RawImage,
  region: Region,
  given?: BlendModel,
  fit: 'both sides' | 'one side' = 'both sides',
): RegionAnalysis | null {
  return analyseMeasured(measureRegion(image, region), given, fit);
}

/** `analyseRegion` on a region already measured: a second blend tried on it needs no new crop or median. */
export function analyseMeasured(
  measure: RegionMeasure,
  given?: BlendModel,
  fit: 'both sides' | 'one side' = 'both sides',
): RegionAnalysis | null {
  const { region, pixels: m, median: background, regionMask: mask, width: iw, height: ih } = measure;
  const fitted = () => (fit === 'one side' ? oneSideFit(measure) : measure.bothSidesFit());
  const model = given ?? fitted();
  if (!model || model.alpha < 0.03) return null;

  const minStroke = Math.max(1, Math.round(region.textHeight / 40));
  const first: RegionAnalysis = {
    box: measure.box,
    width: iw,
    height: ih,
    pixels: m,
    background,
    model,
    coverage: shapeCoverage(coverage(m, background, model, mask, NOISE_LEVELS), iw, ih, minStroke),
    strokePixels: 0,
    regionMask: mask,
    minStroke,
    median: background,
  };
  // Strokes from the first background, then the background again from the pixels around the strokes, twice.
  // With a given blend one pass settles the strokes; a fitted one needs two (the fit moves with the strokes).
  const settled = given ? refine(first, false) : refine(refine(first, true), true);
  const more = localStrokes(settled, region.textHeight);
  return more ? refine(more, false) : settled;
}

/**
 * The analysis with only strokes `minStroke` pixels across or more (and their rims): thinner ones, texture the
 * blend happens to explain, get no coverage.
 */
export function withStrokesFrom(a: RegionAnalysis, minStroke: number): RegionAnalysis {
  const coverage = shapeCoverage(a.coverage, a.width, a.height, minStroke);
  return { ...a, coverage, strokePixels: strokePixelsOf(coverage), minStroke };
}

/** Pixels with coverage above one half: a `RegionAnalysis`'s `strokePixels`. */
export function strokePixelsOf(coverage: Float32Array): number {
  let n = 0;
  for (let i = 0; i < coverage.length; i++) if (coverage[i]! > 0.5) n++;
  return n;
}

/**
 * One refinement: the background refilled around the current strokes, the blend refitted on the strokes'
 * edge bands (unless `refit` is false: a shared model is kept), the coverage measured again.
 */
export function refine(a: RegionAnalysis, refit: boolean, model: BlendModel = a.model): RegionAnalysis {
  const { width: w, height: h, pixels: m } = a;
  const background = fillUnder(m, dilate(maskAbove(a.coverage, 0), w, h, 1), w, h, 3);
  let fitted = model;
  if (refit) {
    const again = fitBlend(m, background, edgeBand(a), NOISE_LEVELS);
    if (again && again.alpha >= 0.03) fitted = again;
  }
  const s = shapeCoverage(coverage(m, background, fitted, a.regionMask, NOISE_LEVELS), w, h, a.minStroke);
  return { ...a, background, model: fitted, coverage: s, strokePixels: strokePixelsOf(s) };
}

/**
 * Stroke interiors (the blend is exact there, no anti-aliasing) within a few pixels of the stroke's edge, where
 * the background filled in from outside is closest to the truth: the pixels a blend is fitted on.
 */
export function edgeBand(a: RegionAnalysis): Int32Array {
  const core = new Uint8Array(a.width * a.height);
  for (let i = 0; i < core.length; i++) core[i] = a.coverage[i] === 1 ? 1 : 0;
  const deep = erode(core, a.width, a.height, 3);
  let n = 0;
  for (let i = 0; i < core.length; i++) n += core[i]! - deep[i]!;
  const band = new Int32Array(n);
  for (let i = 0, k = 0; i < core.length; i++) if (core[i] && !deep[i]) band[k++] = i;
  return band;
}

/** One blend fitted over the edge bands of several regions (copies of one mark share α and colour). */
export function pooledModel(analyses: readonly RegionAnalysis[]): BlendModel | null {
  const bands = analyses.map(edgeBand);
  const n = bands.reduce((acc, b) => acc + b.length, 0);
  const m: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const b: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  let j = 0;
  analyses.forEach((a, r) => {
    for (const i of bands[r]!) {
      for (let k = 0; k < 3; k++) {
        m[k]![j] = a.pixels[k]![i]!;
        b[k]![j] = a.background[k]![i]!;
      }
      j++;
    }
  });
  return fitBlend(
    m,
    b,
    Int32Array.from({ length: n }, (_, i) => i),
    NOISE_LEVELS,
  );
}

/** Share of the deviation below which a blend fitted over all deviating pixels is no fit at all. */
const WEAK_FIT = 0.5;

/**
 * The better of the blends fitted over the pixels lighter than their background and over those darker, or null
 * when one fit over both explains enough. A bold pale mark across texture darker and lighter than it (white
 * letters over an iceberg, sea and sky) leaves the texture's shading as much deviation as its letters: one fit
 * over both explains neither, while the letters alone fit one blend. The fit over both is the measure's own,
 * so a line whose first look fitted well is turned away here at no cost.
 */
function oneSideFit(measure: RegionMeasure): BlendModel | null {
  const both = measure.bothSidesFit();
  if (both && both.explained >= WEAK_FIT) return null;
  const { pixels: m, median: b } = measure;
  const lighter: number[] = [];
  const darker: number[] = [];
  for (const i of measure.deviating()) {
    const luma =
      0.299 * (m[0][i]! - b[0][i]!) + 0.587 * (m[1][i]! - b[1][i]!) + 0.114 * (m[2][i]! - b[2][i]!);
    (luma > 0 ? lighter : darker).push(i);
  }
  let best: BlendModel | null = null;
  for (const side of [lighter, darker]) {
    const fit = fitBlend(m, b, Int32Array.from(side), NOISE_LEVELS);
    if (fit && fit.explained > Math.max(best?.explained ?? 0, both?.explained ?? 0)) best = fit;
  }
  return best;
}

/** Indices of region pixels that differ from the background by more than `min` levels (RMS over channels). */
function deviating(m: Planes, b: Planes, region: Uint8Array, min: number): Int32Array {
  const out: number[] = [];
  const t = min * min * 3;
  for (let i = 0; i < region.length; i++) {
    if (!region[i]) continue;
    const dr = m[0][i]! - b[0][i]!;
    const dg = m[1][i]! - b[1][i]!;
    const db = m[2][i]! - b[2][i]!;
    if (dr * dr + dg * dg + db * db > t) out.push(i);
  }
  return Int32Array.from(out);
}

/**
 * The region measured with a given blend (a mark found elsewhere in the image), and how much of the region's
 * deviation from its background that blend explains with per-pixel coverage alone (1 = all of it). Print of
 * another colour or darkness leaves most of its deviation unexplained.
 */
export function explainWith(
  image: RawImage,
  region: Region,
  model: BlendModel,
  prior?: RegionAnalysis | null,
): { analysis: RegionAnalysis; explained: number } | null {
  // A region already analysed keeps its pixels and median: only the coverage is measured again.
  const withShared = prior
    ? refine(
        {
          ...prior,
          background: prior.median,
          model,
          coverage: shapeCoverage(
            coverage(prior.pixels, prior.median, model, prior.regionMask, NOISE_LEVELS),
            prior.width,
            prior.height,
            prior.minStroke,
          ),
        },
        false,
      )
    : analyseRegion(image, region, model);
  if (!withShared) return null;
  const { pixels: m, background: b, coverage: s, regionMask } = withShared;
  const [cr, cg, cb] = model.colour;
  const colour = [cr, cg, cb];
  let dev = 0;
  let left = 0;
  const floor = 4 * NOISE_LEVELS;
  for (let i = 0; i < regionMask.length; i++) {
    if (!regionMask[i] || s[i]! <= 0) continue;
    let d2 = 0;
    let e2 = 0;
    for (let k = 0; k < 3; k++) {
      const d = m[k]![i]! - b[k]![i]!;
      const e = d - model.alpha * s[i]! * (colour[k]! - b[k]![i]!);
      d2 += d * d;
      e2 += e * e;
    }
    if (d2 < floor * floor * 3) continue;
    dev += d2;
    left += e2;
  }
  return { analysis: withShared, explained: dev > 0 ? 1 - left / dev : 0 };
}

/** Box of the pixels the found marks cover more than half, image pixels; null when there are none. */
export function strokeBox(found: readonly RegionAnalysis[]): Box | null {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = -1;
  let y1 = -1;
  for (const a of found)
    for (let y = 0; y < a.height; y++)
      for (let x = 0; x < a.width; x++) {
        if (a.coverage[y * a.width + x]! <= 0.5) continue;
        x0 = Math.min(x0, x + a.box.x0);
        y0 = Math.min(y0, y + a.box.y0);
        x1 = Math.max(x1, x + a.box.x0 + 1);
        y1 = Math.max(y1, y + a.box.y0 + 1);
      }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Share of a region's strokes (coverage above one half) on the pixels an image-sized `mask` sets; 0 without strokes. */
export function strokeShareOn(a: RegionAnalysis, mask: Uint8Array, width: number): number {
  return shareOn(a, mask, width, (c) => c > 0.5);
}

/**
 * Share of a region's strokes that lie over what an image-sized `mask` sets, judged by what borders them: each
 * stroke piece counts by the share of the non-stroke pixels around it that the mask sets. A flood that finds
 * the backdrop stops at a mark's edge, so a bold letter over the backdrop has its rim on the mask and its
 * interior off it: counted pixel by pixel (`strokeShareOn`) it would seem to lie a quarter on the backdrop.
 */
export function strokeGroundShare(a: RegionAnalysis, mask: Uint8Array, width: number): number {
  const { width: w, height: h, coverage } = a;
  const stroke = new Uint8Array(w * h);
  for (let i = 0; i < stroke.length; i++) stroke[i] = coverage[i]! > 0.5 ? 1 : 0;
  const { labels, components } = labelMask(w, h, stroke);
  const rim = new Float64Array(components.length + 1);
  const rimOn = new Float64Array(components.length + 1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const label = labels[y * w + x]!;
      if (label === 0) continue;
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ] as const) {
        if (nx < 0 || ny < 0 || nx >= w || ny >= h || stroke[ny * w + nx]) continue;
        rim[label]!++;
        if (mask[(ny + a.box.y0) * width + nx + a.box.x0]) rimOn[label]!++;
      }
    }
  let on = 0;
  let all = 0;
  components.forEach((c, k) => {
    all += c.area;
    if (rim[k + 1]! > 0) on += (c.area * rimOn[k + 1]!) / rim[k + 1]!;
  });
  return all > 0 ? on / all : 0;
}

/** Levels (per channel) within which a restored stroke pixel counts as the colour it should give back. */
const RESTORED_TOLERANCE = 12;

/** Share of a region's strokes (coverage above one half) that its blend restores to `colour`. */
export function restoredShareOf(a: RegionAnalysis, colour: readonly number[]): number {
  const { alpha, colour: ink } = a.model;
  return strokeShareWhere(a, (i) => {
    const k = a.coverage[i]! * alpha;
    let within = true;
    for (let ch = 0; ch < 3 && within; ch++)
      within = Math.abs((a.pixels[ch]![i]! - k * ink[ch]!) / (1 - k) - colour[ch]!) <= RESTORED_TOLERANCE;
    return within;
  });
}

/** Share of a region's strokes (coverage above one half) at whose pixel (index over the crop) `holds` is true. */
export function strokeShareWhere(a: RegionAnalysis, holds: (i: number) => boolean): number {
  let strokes = 0;
  let on = 0;
  for (let i = 0; i < a.coverage.length; i++) {
    if (a.coverage[i]! <= 0.5) continue;
    strokes++;
    if (holds(i)) on++;
  }
  return strokes > 0 ? on / strokes : 0;
}

/** Share of the unmarked pixels (coverage 0) around a region's strokes that lie on a mask (image-sized). */
export function groundShareOn(a: RegionAnalysis, mask: Uint8Array, width: number): number {
  return shareOn(a, mask, width, (c) => c <= 0);
}

function shareOn(a: RegionAnalysis, mask: Uint8Array, width: number, counts: (coverage: number) => boolean) {
  let on = 0;
  let all = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      if (!counts(a.coverage[y * a.width + x]!)) continue;
      all++;
      if (mask[(y + a.box.y0) * width + x + a.box.x0]) on++;
    }
  return all > 0 ? on / all : 0;
}

/** Centre of a region's strokes (coverage above one half), image pixels; null without strokes. */
export function strokeCentre(a: RegionAnalysis): [number, number] | null {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      if (a.coverage[y * a.width + x]! <= 0.5) continue;
      sx += x + a.box.x0;
      sy += y + a.box.y0;
      n++;
    }
  return n > 0 ? [sx / n, sy / n] : null;
}

/** Inner radius of localStrokes' ring, px, below which it is not tried (text under about 40 px). */
const MIN_RING_PX = 5;

/**
 * Strokes the wide median missed (over a product, the median takes the product's shading for the mark's):
 * with the blend known, a pixel is a stroke where it differs from the unmarked pixels of a ring around it by
 * what the blend predicts over that ring's colour.
 */
export function localStrokes(a: RegionAnalysis, textHeight: number): RegionAnalysis | null {
  const { width: w, height: h, pixels: m, model } = a;
  const rIn = Math.round(0.12 * textHeight);
  // Below a few pixels the ring lies in the strokes' own anti-aliased rim and the test says nothing.
  if (rIn < MIN_RING_PX) return null;
  const rOut = 2 * rIn;
  const free = new UnmarkedSums(m, maskAbove(a.coverage, 0), w, h);
  // The square of radius r around (x, y), clipped to the crop: [x0, y0, x1, y1).
  const square = (x: number, y: number, r: number) =>
    [Math.max(0, x - r), Math.max(0, y - r), Math.min(w, x + r + 1), Math.min(h, y + r + 1)] as const;
  const raw = new Float32Array(w * h);
  let added = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!a.regionMask[i] || a.coverage[i]! > 0) continue;
      const outer = square(x, y, rOut);
      const inner = square(x, y, rIn);
      const n = free.count(...outer) - free.count(...inner);
      if (n < 8) continue;
      let e2 = 0;
      let dot = 0;
      let miss = 0;
      for (let k = 0; k < 3; k++) {
        const around = (free.sum(k, ...outer) - free.sum(k, ...inner)) / n;
        const e = model.alpha * (model.colour[k]! - around);
        const d = m[k]![i]! - around;
        e2 += e * e;
        dot += d * e;
        miss += (d - e) * (d - e);
      }
      if (e2 < 3 * (4 * NOISE_LEVELS) ** 2) continue;
      const share = dot / e2;
      if (share < 0.6 || share > 1.4 || miss > 0.25 * e2) continue;
      raw[i] = 1;
      added++;
    }
  }
  if (added === 0) return null;
  const shaped = shapeCoverage(raw, w, h, Math.max(a.minStroke, Math.round(rIn / 2)));
  const merged = a.coverage.slice();
  let strokes = 0;
  for (let i = 0; i < merged.length; i++) {
    if (shaped[i]! > merged[i]!) merged[i] = shaped[i]!;
    if (merged[i]! > 0.5) strokes++;
  }
  if (strokes <= a.strokePixels) return null;
  return { ...a, coverage: merged, strokePixels: strokes };
}
