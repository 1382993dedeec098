/**
 * A tiled mark is one picture pasted many times: its copies agree pixel for pixel up to a whole-pixel shift
 * (0.95–0.99 correlation on the synthetic set's copies on white). One copy measured on plain ground, where
 * the background under it is known exactly, is therefore the template of all the others: with it a copy over
 * the product needs no background estimate at all (`locate-copies.ts`), and its faint anti-aliased rim, which
 * the detector's analysis drops, is restored too. Dekel et al. (CVPR 2017) estimate a mark from many images
 * that carry it; here the copies within one image play that part.
 */

import { labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { cropPlanes, type RegionAnalysis } from './analyse-region.js';
import { type BlendModel, coverage, fillUnder, type Planes } from './estimate-alpha.js';
import { type Box, dilate, maskAbove } from './raster.js';

export interface MarkTemplate {
  /** Image position of the template's top-left pixel, where it was measured. */
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
  /** Coverage of each template pixel by the mark, 0..1: the opacity there is α × coverage. */
  readonly coverage: Float32Array;
  /** Template pixels whose blend touches an edge: coverage > 0, or a neighbour's. */
  readonly support: Int32Array;
  /** Template pixels with coverage above one half. */
  readonly strokes: number;
}

/** A copy's ground is plain when its pixels away from the strokes move less than this (levels per pixel, mean). */
const PLAIN_STEP = 1;
/** The anti-aliased rim measured around the strokes, pixels. */
const RIM_PX = 3;
/**
 * Rim coverage below this is JPEG noise rather than mark (±2 levels against a mark that moves the background by
 * ~40 levels).
 */
const MIN_RIM_COVERAGE = 0.06;

/**
 * Mean absolute step between neighbouring pixels away from the strokes, levels (channel mean): JPEG noise on
 * plain ground, much more where a copy crosses the product.
 */
function groundRoughness(m: Planes, w: number, h: number, strokes: Uint8Array): number {
  const near = dilate(strokes, w, h, RIM_PX + 1);
  let sum = 0;
  let n = 0;
  for (let y = 0; y + 1 < h; y++)
    for (let x = 0; x + 1 < w; x++) {
      const i = y * w + x;
      if (near[i] || near[i + 1] || near[i + w]) continue;
      for (let k = 0; k < 3; k++)
        sum += Math.abs(m[k]![i + 1]! - m[k]![i]!) + Math.abs(m[k]![i + w]! - m[k]![i]!);
      n += 6;
    }
  return n ? sum / n : Number.POSITIVE_INFINITY;
}

/** Whether a found region's ground is plain (JPEG noise only away from its strokes). */
export function isPlain(a: RegionAnalysis): boolean {
  return roughness(a) <= PLAIN_STEP;
}

function roughness(a: RegionAnalysis): number {
  return groundRoughness(a.pixels, a.width, a.height, maskAbove(a.coverage, 0));
}

/** The template's box placed at (dx, dy), clipped to the image (empty when it falls outside). */
export function placedBox(image: RawImage, t: MarkTemplate, dx: number, dy: number): Box {
  return {
    x0: Math.max(0, t.x0 + dx),
    y0: Math.max(0, t.y0 + dy),
    x1: Math.min(image.width, t.x0 + dx + t.width),
    y1: Math.min(image.height, t.y0 + dy + t.height),
  };
}

/** Whether the ground under the template placed at (dx, dy) is plain (as the template's own). */
export function onPlainGround(image: RawImage, t: MarkTemplate, dx: number, dy: number): boolean {
  const box = placedBox(image, t, dx, dy);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (w <= 1 || h <= 1) return false;
  const strokes = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      strokes[y * w + x] =
        t.coverage[(y + box.y0 - t.y0 - dy) * t.width + x + box.x0 - t.x0 - dx]! > 0 ? 1 : 0;
  return groundRoughness(cropPlanes(image, box), w, h, strokes) <= PLAIN_STEP;
}

/**
 * The template of a tiled mark: the found copy with the most strokes among those on plain ground, away from the
 * image's edge if any is, measured against its background filled from around its rim. Null when no copy is on
 * plain ground.
 */
export function templateOf(
  found: readonly RegionAnalysis[],
  model: BlendModel,
  width: number,
  height: number,
): MarkTemplate | null {
  // A copy clear of the image's edge is whole; rows of text that run off both sides leave only clipped ones.
  const plain = found.filter(isPlain);
  const inside = plain.filter((a) => a.box.x0 > 0 && a.box.y0 > 0 && a.box.x1 < width && a.box.y1 < height);
  const candidates = inside.length > 0 ? inside : plain;
  if (candidates.length === 0) return null;
  const a = candidates.reduce((best, c) => (c.strokePixels > best.strokePixels ? c : best));
  const { width: w, height: h, pixels: m } = a;
  const n = w * h;
  const strokes = maskAbove(a.coverage, 0);
  const rim = dilate(strokes, w, h, RIM_PX);
  const b = fillUnder(m, rim, w, h, RIM_PX);
  const measured = coverage(m, b, model, rim, 1);
  const cover = new Float32Array(n);
  let strong = 0;
  for (let i = 0; i < n; i++) {
    if (!rim[i]) continue;
    const s = a.coverage[i]! >= 1 ? 1 : measured[i]!;
    cover[i] = strokes[i] || s >= MIN_RIM_COVERAGE ? s : 0;
    if (cover[i]! > 0.5) strong++;
  }
  return {
    x0: a.box.x0,
    y0: a.box.y0,
    width: w,
    height: h,
    coverage: cover,
    support: supportOf(maskAbove(cover, 0), w, h),
    strokes: strong,
  };
}

/**
 * The template placed at offset (dx, dy), as a region analysis the restore step reads: its coverage (none where
 * `skip`, an image-sized mask, is set: pixels another analysis restores), the blend, and the background the blend
 * implies. Null when the copy falls outside the image.
 */
export function analysisAt(
  image: RawImage,
  t: MarkTemplate,
  model: BlendModel,
  dx: number,
  dy: number,
  skip: Uint8Array,
): RegionAnalysis | null {
  const box = placedBox(image, t, dx, dy);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (w <= 0 || h <= 0) return null;
  const pixels = cropPlanes(image, box);
  const coverage = new Float32Array(w * h);
  const background = pixels.map((p) => p.slice()) as Planes;
  let strokePixels = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx = x + box.x0;
      const gy = y + box.y0;
      if (skip[gy * image.width + gx]) continue;
      const s = t.coverage[(gy - t.y0 - dy) * t.width + gx - t.x0 - dx]!;
      if (s <= 0) continue;
      const i = y * w + x;
      coverage[i] = s;
      if (s > 0.5) strokePixels++;
      const a = Math.min(0.9, model.alpha * s);
      for (let k = 0; k < 3; k++) background[k]![i] = (pixels[k]![i]! - a * model.colour[k]!) / (1 - a);
    }
  const regionMask = maskAbove(coverage, 0);
  return {
    box,
    width: w,
    height: h,
    pixels,
    background,
    model,
    coverage,
    strokePixels,
    regionMask,
    minStroke: 1,
    median: background,
  };
}

/**
 * The template moved by a fraction of a pixel (fx, fy ∈ (−1, 1)), bilinearly: copies are pasted at places a
 * lattice rounds differently, and a quarter pixel off already leaves visible edges after un-blending.
 */
export function shifted(t: MarkTemplate, fx: number, fy: number): MarkTemplate {
  if (fx === 0 && fy === 0) return t;
  const { width: w, height: h, coverage: c } = t;
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? c[y * w + x]! : 0);
  const ix = Math.floor(-fx);
  const iy = Math.floor(-fy);
  const tx = -fx - ix;
  const ty = -fy - iy;
  const coverage = new Float32Array(w * h);
  let strokes = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v =
        (1 - ty) * ((1 - tx) * at(x + ix, y + iy) + tx * at(x + ix + 1, y + iy)) +
        ty * ((1 - tx) * at(x + ix, y + iy + 1) + tx * at(x + ix + 1, y + iy + 1));
      const i = y * w + x;
      coverage[i] = v;
      if (v > 0.5) strokes++;
    }
  return { ...t, coverage, support: supportOf(maskAbove(coverage, 0), w, h), strokes };
}

function supportOf(on: Uint8Array, w: number, h: number): Int32Array {
  const near = dilate(on, w, h, 1);
  const support: number[] = [];
  for (let i = 0; i < near.length; i++) if (near[i]) support.push(i);
  return Int32Array.from(support);
}

/** Copies that confirm the template must have passed the edge test this clearly (see locate-copies.ts). */
export const CONFIRMING_AGREEMENT = 0.6;
/** Confirming copies used at most. */
export const MAX_CONFIRMING = 12;

/**
 * The template without what only its own copy shows: the copy it was measured on may hold a piece of the
 * product's edge or print that the analysis took for strokes, and pasted into every copy that piece would be
 * painted over the whole image. Each other copy on plain ground is measured the same way at its place; a
 * template pixel stays where at least half of them see the mark there too.
 */
export function confirmedTemplate(
  image: RawImage,
  t: MarkTemplate,
  model: BlendModel,
  copies: readonly { readonly dx: number; readonly dy: number; readonly agreement: number }[],
): MarkTemplate {
  const { width: w, height: h } = t;
  const n = w * h;
  const rim = dilate(maskAbove(t.coverage, 0), w, h, 1);
  const votes = new Uint16Array(n);
  const seen = new Uint16Array(n);
  let voters = 0;
  for (const c of copies) {
    if (voters >= MAX_CONFIRMING) break;
    if ((c.dx === 0 && c.dy === 0) || c.agreement < CONFIRMING_AGREEMENT) continue;
    // The part of the copy inside the image; (u0, v0) is its corner in template coordinates.
    const box = placedBox(image, t, c.dx, c.dy);
    const cw = box.x1 - box.x0;
    const ch = box.y1 - box.y0;
    if (cw < w / 2 || ch < h / 2) continue;
    const u0 = box.x0 - (t.x0 + c.dx);
    const v0 = box.y0 - (t.y0 + c.dy);
    const m = cropPlanes(image, box);
    const part = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) part[y * cw + x] = rim[(y + v0) * w + x + u0]!;
    const s = coverage(m, fillUnder(m, part, cw, ch, RIM_PX), model, part, 1);
    voters++;
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) {
        const i = (y + v0) * w + x + u0;
        const want = t.coverage[i]!;
        if (want <= 0) continue;
        seen[i] = seen[i]! + 1;
        if (s[y * cw + x]! >= 0.5 * want - 0.1) votes[i] = votes[i]! + 1;
      }
  }
  if (voters < 2) return t;
  // A stroke (connected piece) stays unless most of its pixels are denied by most copies that show them
  // (pixels no other copy shows count for it): a letter is confirmed as a whole, even where a fraction of a
  // pixel's shift makes single pixels disagree; the rim follows the strokes it borders.
  const pieces = labelComponents(w, h, (i) => t.coverage[i]! > 0.5);
  const denied = new Int32Array(pieces.count + 1);
  for (let i = 0; i < n; i++) {
    const id = pieces.labels[i]!;
    if (id && seen[i]! >= 2 && 2 * votes[i]! < seen[i]!) denied[id] = denied[id]! + 1;
  }
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const id = pieces.labels[i]!;
    core[i] = id && 2 * denied[id]! < pieces.components[id - 1]!.area ? 1 : 0;
  }
  const near = dilate(core, w, h, RIM_PX);
  const cover = new Float32Array(n);
  let strokes = 0;
  for (let i = 0; i < n; i++) {
    if (!(core[i] || (near[i] && t.coverage[i]! <= 0.5))) continue;
    cover[i] = t.coverage[i]!;
    if (cover[i]! > 0.5) strokes++;
  }
  return { ...t, coverage: cover, support: supportOf(maskAbove(cover, 0), w, h), strokes };
}
