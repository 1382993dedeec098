/**
 * The rest of a mark the text detector did not see: a stamp's icon beside its name, letters split off, a logo
 * under a caption. Once a mark's blend (α, colour) is known from its text, every other part of the same mark
 * fits that very blend, `m = B + α·s·(c − B)`, with coverage s alone; print of another colour or darkness does
 * not. The search stays near the marks found (a few text heights around them, and as far again around a piece
 * the search box cuts) and keeps only connected pieces that the blend explains almost entirely, and only for a
 * coloured mark: a colour no shading produces. The pieces are then restored with the blend of their own solid
 * strokes, which shows the mark's full strength and hue better than thin letters do. A white
 * or grey blend also explains the product's own highlights and shadows beside the mark (a light shoe next to
 * a white "fotolia" in the real set), so neutral marks are not extended.
 */

import { type Box, grownBox, labelComponents, unionBox } from '../connected-components.js';
import type { RawImage } from '../types.js';
import {
  analyseRegion,
  edgeBand,
  NOISE_LEVELS,
  type Region,
  type RegionAnalysis,
  strokePixelsOf,
} from './analyse-region.js';
import { isNeutral } from './classify-overlay.js';
import { type BlendModel, blendShare, coverage, fitBlend, shapeCoverage } from './estimate-alpha.js';
import { erode, maskAbove } from './raster.js';

/** How far around the marks found the rest of them is looked for, in text heights. */
const REACH_TEXT_HEIGHTS = 3;
/** Highest opacity a piece's solid strokes may raise its blend to. */
const MAX_ALPHA = 0.98;
/** Smallest piece kept, stroke pixels. */
const MIN_PIECE_PX = 30;

export interface Extension {
  readonly analysis: RegionAnalysis;
  /** Mean share of the pieces' deviation the blend explains. */
  readonly explained: number;
  readonly pieces: number;
}

/**
 * Pieces of the mark near `found` (analyses already measured with `model`), as one analysis over the search
 * box whose coverage is zero outside the accepted pieces; null when no piece qualifies.
 */
export function extendMark(
  image: RawImage,
  found: readonly RegionAnalysis[],
  model: BlendModel,
  textHeight: number,
  minExplained: number,
): Extension | null {
  const { colour } = model;
  if (found.length === 0 || isNeutral(colour)) return null;
  const reach = Math.round(REACH_TEXT_HEIGHTS * textHeight);
  const around = (b: Box): Box => grownBox(b, reach, image.width, image.height);
  const box = around({
    x0: Math.min(...found.map((a) => a.box.x0)),
    y0: Math.min(...found.map((a) => a.box.y0)),
    x1: Math.max(...found.map((a) => a.box.x1)),
    y1: Math.max(...found.map((a) => a.box.y1)),
  });
  const first = piecesIn(image, box, found, model, textHeight, minExplained);
  // An icon larger than the reach is cut by the box, and its cut part misses: search once more around it.
  if (!first?.cut) return first?.extension ?? null;
  return (piecesIn(image, unionBox(box, around(first.cut)), found, model, textHeight, minExplained) ?? first)
    .extension;
}

/**
 * The pieces of the mark in `box`, and the box of those the box's own edge cuts (where it is not the image's
 * edge), if any.
 */
function piecesIn(
  image: RawImage,
  box: Box,
  found: readonly RegionAnalysis[],
  model: BlendModel,
  textHeight: number,
  minExplained: number,
): { extension: Extension; cut: Box | null } | null {
  const { alpha, colour } = model;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  // Everything in the box except what the marks found already cover (the box holds all of them).
  const mask = new Uint8Array(w * h).fill(1);
  for (const a of found)
    for (let y = 0; y < a.height; y++)
      for (let x = 0; x < a.width; x++) {
        if (a.coverage[y * a.width + x]! <= 0) continue;
        mask[(y + a.box.y0 - box.y0) * w + x + a.box.x0 - box.x0] = 0;
      }
  const region: Region = { box, mask, textHeight };
  const analysis = analyseRegion(image, region, model);
  if (!analysis) return null;
  const { width: aw, height: ah, coverage: s, pixels: m, background: b } = analysis;
  const { labels, components } = labelComponents(aw, ah, (i) => s[i]! > 0);
  const n = components.length;
  const dev = new Float64Array(n + 1);
  const left = new Float64Array(n + 1);
  const strokes = new Int32Array(n + 1);
  const floor2 = 3 * (4 * NOISE_LEVELS) ** 2;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l) continue;
    if (s[i]! > 0.5) strokes[l]!++;
    let d2 = 0;
    let e2 = 0;
    for (let k = 0; k < 3; k++) {
      const d = m[k]![i]! - b[k]![i]!;
      const e = d - alpha * s[i]! * (colour[k]! - b[k]![i]!);
      d2 += d * d;
      e2 += e * e;
    }
    if (d2 < floor2) continue;
    dev[l]! += d2;
    left[l]! += e2;
  }
  const keep = new Uint8Array(n + 1);
  let pieces = 0;
  let explainedSum = 0;
  let cut: Box | null = null;
  // The search box in the analysis crop's coordinates: a piece reaching its edge continues beyond it.
  const edge: Box = {
    x0: box.x0 - analysis.box.x0,
    y0: box.y0 - analysis.box.y0,
    x1: box.x1 - analysis.box.x0,
    y1: box.y1 - analysis.box.y0,
  };
  for (let l = 1; l <= n; l++) {
    if (strokes[l]! < MIN_PIECE_PX || dev[l]! <= 0) continue;
    const explained = 1 - left[l]! / dev[l]!;
    if (explained < minExplained) continue;
    keep[l] = 1;
    pieces++;
    explainedSum += explained;
    const p = components[l - 1]!.box;
    const touches =
      (p.x0 <= edge.x0 && box.x0 > 0) ||
      (p.y0 <= edge.y0 && box.y0 > 0) ||
      (p.x1 >= edge.x1 && box.x1 < image.width) ||
      (p.y1 >= edge.y1 && box.y1 < image.height);
    if (!touches) continue;
    const g: Box = {
      x0: p.x0 + analysis.box.x0,
      y0: p.y0 + analysis.box.y0,
      x1: p.x1 + analysis.box.x0,
      y1: p.y1 + analysis.box.y0,
    };
    cut = cut ? unionBox(cut, g) : g;
  }
  if (pieces === 0) return null;
  const kept = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) if (keep[labels[i]!]) kept[i] = s[i]!;
  const strong = ownBlend({ ...analysis, coverage: kept });
  return {
    extension: {
      analysis: { ...strong, strokePixels: strokePixelsOf(strong.coverage) },
      explained: explainedSum / pieces,
      pieces,
    },
    cut,
  };
}

/**
 * Thin letters never show a mark's full strength or hue (their anti-aliased rims and JPEG's halved chroma
 * resolution dilute every pixel), so the blend fitted on them is weaker and greyer than the mark; an icon's
 * solid strokes show it. The pieces' own blend is fitted on their solid strokes and kept where it explains
 * those better than the mark's.
 */
function ownBlend(a: RegionAnalysis): RegionAnalysis {
  const band = edgeBand(a);
  const own = band.length >= MIN_PIECE_PX ? fitBlend(a.pixels, a.background, band, NOISE_LEVELS) : null;
  if (!own || solidExplained(a, own, band) <= solidExplained(a, a.model, band)) return a;
  // On flat ground the fit is a mean over the band, which the strokes' smeared edges pull towards the
  // background; the solid pixels' median deviation is the mark's full strength.
  const full = { ...own, alpha: Math.min(MAX_ALPHA, own.alpha * Math.max(1, solidGain(a, own))) };
  const s = coverage(a.pixels, a.background, full, maskAbove(a.coverage, 0), NOISE_LEVELS);
  return { ...a, model: full, coverage: shapeCoverage(s, a.width, a.height, a.minStroke) };
}

/**
 * Median over the solid pixels (fully covered, and so are their neighbours within 2 px: JPEG smears a stroke's
 * edge inwards by about that) of their deviation from the background in units of the blend's; 1 with too few.
 */
function solidGain(a: RegionAnalysis, model: BlendModel): number {
  const full = new Uint8Array(a.coverage.length);
  for (let i = 0; i < full.length; i++) full[i] = a.coverage[i] === 1 ? 1 : 0;
  const solid = erode(full, a.width, a.height, 2);
  const gains: number[] = [];
  for (let i = 0; i < solid.length; i++) {
    if (!solid[i]) continue;
    const gain = blendShare(a.pixels, a.background, model, i);
    if (!Number.isNaN(gain)) gains.push(gain);
  }
  if (gains.length < MIN_PIECE_PX) return 1;
  gains.sort((p, q) => p - q);
  return gains[gains.length >> 1]!;
}

/** Share of the deviation from the background of solid (fully covered) pixels that a blend explains. */
function solidExplained(a: RegionAnalysis, model: BlendModel, solid: Int32Array): number {
  let dev = 0;
  let left = 0;
  for (const i of solid)
    for (let k = 0; k < 3; k++) {
      const b = a.background[k]![i]!;
      const d = a.pixels[k]![i]! - b;
      const e = d - model.alpha * (model.colour[k]! - b);
      dev += d * d;
      left += e * e;
    }
  return dev > 0 ? 1 - left / dev : 0;
}
