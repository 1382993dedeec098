/**
 * The rest of a line of overlay text the detector saw only part of. PP-OCRv4 misses most letters of large
 * display text (a "SAMPLE" across the product may give it one letter), but the letters it did see pin down the
 * mark's blend (α, colour), and the other letters of the line fit that very blend with coverage alone, at the
 * same height. So the search runs along the line only, beyond the detector's regions: within the band of the
 * found strokes, pieces that the blend explains almost entirely, that fit inside the band (shading and the
 * product's own shapes run past it), and that continue the line (each within a few line heights of the pieces
 * kept). The background under large letters comes from the pixels the mark provably misses (`underProvenFree`),
 * and from the backdrop where `backdrop` gives one, not from a median the letters themselves fill. Unlike
 * `extend-mark.ts` this holds for white and grey marks: a highlight or shadow beside the mark does not stop at
 * the line's top and bottom.
 */

import { labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import {
  cropPlanes,
  NOISE_LEVELS,
  type RegionAnalysis,
  strokeBox,
  strokePixelsOf,
} from './analyse-region.js';
import { type BlendModel, coverage, fillUnder, type Planes, shapeCoverage } from './estimate-alpha.js';
import type { Extension } from './extend-mark.js';
import { type Box, dilate, erode } from './raster.js';

/** Room above and below the found strokes for the line's other letters, in stroke-band heights. */
const BAND_MARGIN = 0.25;
/** Largest gap between pieces of one line, in stroke-band heights (a letter or two may be lost). */
const MAX_GAP = 3;
/** Smallest piece kept, stroke pixels. */
const MIN_PIECE_PX = 30;
/** Share of a pixel's deviation the blend may leave unexplained for the pixel to count as part of a piece. */
const UNEXPLAINED_PIXEL = 0.25;
/** Width of a piece's rim taken with it, pixels. */
const RIM_PX = 2;
/** Opening radius of the fitting pixels, as the band's height over this (2 px for a 120 px line). */
const OPENING_BAND_HEIGHTS = 60;
/** How far the background is filled in from pixels the mark provably misses, in band heights. */
const FILL_REACH = 0.2;
/** Bands thinner than this (pixels) are small text the detector reads whole. */
const MIN_BAND_PX = 12;

interface Piece {
  readonly label: number;
  readonly x0: number;
  readonly x1: number;
  readonly explained: number;
}

/**
 * Pieces of the line through `found` (analyses measured with `model`): one analysis per stretch of the band
 * between and beside the found regions, whose coverage is zero outside the accepted pieces; empty when none
 * qualifies.
 */
export function extendLine(
  image: RawImage,
  found: readonly RegionAnalysis[],
  model: BlendModel,
  textHeight: number,
  minExplained: number,
  backdrop: Uint8Array | null = null,
): Extension[] {
  const strokes = lineBox(found);
  if (!strokes) return [];
  const bandHeight = strokes.y1 - strokes.y0;
  if (bandHeight < MIN_BAND_PX) return [];
  const margin = Math.round(BAND_MARGIN * bandHeight);
  const y0 = Math.max(0, strokes.y0 - margin);
  const y1 = Math.min(image.height, strokes.y1 + margin);
  // Only beyond the regions the detector gave: within them it was judged already, and what the found blend
  // left out there (a light product under a white name) is not for the line to take back. Each stretch
  // between them is measured alone, so the columns they cover cost nothing.
  const taken = found
    .filter((a) => a.box.y0 < y1 && a.box.y1 > y0)
    .map((a) => [a.box.x0, a.box.x1] as const)
    .sort((p, q) => p[0] - q[0]);
  const stretches: [number, number][] = [];
  let from = 0;
  for (const [a, b] of taken) {
    if (a > from) stretches.push([from, a]);
    from = Math.max(from, b);
  }
  if (from < image.width) stretches.push([from, image.width]);
  const gap = MAX_GAP * bandHeight;
  return stretches
    .filter(([a, b]) => b - a >= MIN_BAND_PX && b > strokes.x0 - gap && a < strokes.x1 + gap)
    .map(([a, b]) =>
      extendStretch(image, { x0: a, y0, x1: b, y1 }, strokes, model, textHeight, minExplained, backdrop),
    )
    .filter((e): e is Extension => e !== null);
}

/**
 * The strokes' box of the line: that of the region with the most strokes, joined by the regions whose strokes
 * sit on the same line (their middle within its band). Other found regions (a letter of the same blend far
 * above) would stretch the band over the picture.
 */
function lineBox(found: readonly RegionAnalysis[]): Box | null {
  const boxes = found
    .map((a) => ({ a, box: strokeBox([a]) }))
    .filter((f): f is { a: RegionAnalysis; box: Box } => f.box !== null);
  if (boxes.length === 0) return null;
  const main = boxes.reduce((best, f) => (f.a.strokePixels > best.a.strokePixels ? f : best)).box;
  return strokeBox(
    boxes
      .filter(({ box }) => {
        const middle = (box.y0 + box.y1) / 2;
        return middle >= main.y0 && middle <= main.y1;
      })
      .map((f) => f.a),
  );
}

/** The pieces of the line within `band`, continuing the found `strokes`. */
function extendStretch(
  image: RawImage,
  band: Box,
  strokes: Box,
  model: BlendModel,
  textHeight: number,
  minExplained: number,
  backdrop: Uint8Array | null,
): Extension | null {
  const bandHeight = strokes.y1 - strokes.y0;
  const mask = new Uint8Array((band.x1 - band.x0) * (band.y1 - band.y0)).fill(1);
  const analysis = underProvenFree(
    image,
    band,
    mask,
    model,
    Math.max(2, Math.round(FILL_REACH * bandHeight)),
    Math.max(1, Math.round(Math.max(textHeight, bandHeight) / 40)),
    backdrop,
  );
  const { width: aw, height: ah, coverage: s, pixels: m, background: b, box } = analysis;
  const { alpha, colour } = model;
  const floor2 = 3 * (4 * NOISE_LEVELS) ** 2;
  // Per pixel: deviation from the background and what the blend leaves of it. Pixels the blend cannot
  // explain (the product's dark edge beside a grey letter) are no part of any piece, so they do not join a
  // letter to the product's shapes.
  const dev2 = new Float32Array(s.length);
  const left2 = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    if (s[i]! <= 0) continue;
    for (let k = 0; k < 3; k++) {
      const d = m[k]![i]! - b[k]![i]!;
      const e = d - alpha * s[i]! * (colour[k]! - b[k]![i]!);
      dev2[i]! += d * d;
      left2[i]! += e * e;
    }
  }
  // Pixels within noise of the background (a grey letter over a black product) join nothing either: they would
  // bridge the letters through the product.
  const fits = (i: number) => s[i]! > 0 && dev2[i]! >= floor2 && left2[i]! <= UNEXPLAINED_PIXEL * dev2[i]!;
  const fitting = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) fitting[i] = fits(i) ? 1 : 0;
  // Opened by a few pixels: the thin anti-aliased rims of the product's edges fit a grey blend too, and would
  // join a letter to a shape that runs on past the line.
  const open = Math.max(1, Math.round(bandHeight / OPENING_BAND_HEIGHTS));
  const opened = dilate(erode(fitting, aw, ah, open), aw, ah, open);
  const { labels, components } = labelComponents(aw, ah, (i) => opened[i]! === 1 && fitting[i] === 1);
  const n = components.length;
  const dev = new Float64Array(n + 1);
  const left = new Float64Array(n + 1);
  const count = new Int32Array(n + 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l) continue;
    if (s[i]! > 0.5) count[l]!++;
    if (dev2[i]! < floor2) continue;
    dev[l]! += dev2[i]!;
    left[l]! += left2[i]!;
  }
  // The band's first and last rows in the analysis' coordinates: a piece reaching them runs past the line.
  const top = band.y0 - box.y0;
  const bottom = band.y1 - 1 - box.y0;
  const candidates: Piece[] = [];
  components.forEach((c, k) => {
    const l = k + 1;
    if (count[l]! < MIN_PIECE_PX || dev[l]! <= 0) return;
    if ((c.box.y0 <= top && band.y0 > 0) || (c.box.y1 - 1 >= bottom && band.y1 < image.height)) return;
    const explained = 1 - left[l]! / dev[l]!;
    if (explained < minExplained) return;
    candidates.push({ label: l, x0: c.box.x0 + box.x0, x1: c.box.x1 + box.x0, explained });
  });
  // Letter by letter from the found strokes outwards.
  const gap = MAX_GAP * bandHeight;
  let x0 = strokes.x0;
  let x1 = strokes.x1;
  const kept: Piece[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of candidates) {
      if (kept.includes(p) || p.x1 < x0 - gap || p.x0 > x1 + gap) continue;
      kept.push(p);
      x0 = Math.min(x0, p.x0);
      x1 = Math.max(x1, p.x1);
      grew = true;
    }
  }
  if (kept.length === 0) return null;
  const keep = new Uint8Array(n + 1);
  for (const p of kept) keep[p.label] = 1;
  const inPiece = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) inPiece[i] = keep[labels[i]!]!;
  // What the opening took off the pieces (serifs, thin strokes) and their faint rims (anti-aliasing under the
  // noise floor) go with them.
  const rim = dilate(inPiece, aw, ah, open + RIM_PX);
  const out = new Float32Array(s.length);
  let strokePixels = 0;
  for (let i = 0; i < s.length; i++) {
    if (!inPiece[i] && !(rim[i] && labels[i] === 0 && (fitting[i] || (s[i]! > 0 && dev2[i]! < floor2))))
      continue;
    out[i] = s[i]!;
    if (s[i]! > 0.5) strokePixels++;
  }
  return {
    analysis: { ...analysis, coverage: out, strokePixels },
    explained: kept.reduce((acc, p) => acc + p.explained, 0) / kept.length,
    pieces: kept.length,
  };
}

/**
 * The band measured with its background filled in from the pixels the mark provably does not cover. A median
 * over the band fails where letters and the product together fill most of its window (the median is then the
 * letters' own grey); but un-blending a pixel the mark does not cover leaves the gamut (a white pixel under a
 * grey blend would have been brighter than white), so those pixels are the background for sure, and pixels
 * within `reach` of them are filled from them. Farther from any (deep in a dark product under a grey mark)
 * nothing is measured: no coverage.
 */
function underProvenFree(
  image: RawImage,
  box: Box,
  mask: Uint8Array,
  model: BlendModel,
  reach: number,
  minStroke: number,
  backdrop: Uint8Array | null,
): RegionAnalysis {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const m = cropPlanes(image, box);
  const { alpha, colour } = model;
  const tolerance = (2 * NOISE_LEVELS) / (1 - alpha);
  const maybe = new Uint8Array(w * h);
  for (let i = 0; i < maybe.length; i++) {
    let inGamut = true;
    for (let k = 0; k < 3; k++) {
      const u = (m[k]![i]! - alpha * colour[k]!) / (1 - alpha);
      if (u > 255 + tolerance || u < -tolerance) inGamut = false;
    }
    maybe[i] = inGamut ? 1 : 0;
  }
  const marked = dilate(maybe, w, h, 1);
  // The backdrop's own pixels (as its flood reached them, not grown) are free too: on a grey sweep a grey
  // mark's un-blending stays in the gamut, so nothing there would be proven free and no letter measured.
  if (backdrop)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (backdrop[(y + box.y0) * image.width + x + box.x0]) marked[y * w + x] = 0;
  const free = new Uint8Array(marked.length);
  for (let i = 0; i < free.length; i++) free[i] = marked[i] ? 0 : 1;
  const near = dilate(free, w, h, reach);
  const filled = fillUnder(m, marked, w, h, reach);
  const background = m.map((plane, k) => {
    const out = plane.slice();
    for (let i = 0; i < out.length; i++) if (near[i]) out[i] = filled[k]![i]!;
    return out;
  }) as Planes;
  const s = shapeCoverage(coverage(m, background, model, mask, NOISE_LEVELS), w, h, minStroke);
  const strokePixels = strokePixelsOf(s);
  return {
    box,
    width: w,
    height: h,
    pixels: m,
    background,
    model,
    coverage: s,
    strokePixels,
    regionMask: mask,
    minStroke,
    median: background,
  };
}
