/**
 * The rest of a mark the text detector did not see: a stamp's icon beside its name, letters split off, a logo
 * under a caption. Once a mark's blend (α, colour) is known from its text, every other part of the same mark
 * fits that very blend, `m = B + α·s·(c − B)`, with coverage s alone; print of another colour or darkness does
 * not. The search stays near the marks found (a few text heights around them) and keeps only connected pieces
 * that the blend explains almost entirely, and only for a coloured mark: a colour no shading produces. A white
 * or grey blend also explains the product's own highlights and shadows beside the mark (a light shoe next to
 * a white "fotolia" in the real set), so neutral marks are not extended.
 */

import { type Box, labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { analyseRegion, NOISE_LEVELS, type Region, type RegionAnalysis } from './analyse-region.js';
import type { BlendModel } from './estimate-alpha.js';

/** How far around the marks found the rest of them is looked for, in text heights. */
const REACH_TEXT_HEIGHTS = 3;
/** Smallest piece kept, stroke pixels. */
const MIN_PIECE_PX = 30;
/** Colour spread between channels above which a mark's colour is itself the evidence (no shading is green). */
const CHROMATIC = 40;

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
  const { alpha, colour } = model;
  if (found.length === 0 || Math.max(...colour) - Math.min(...colour) < CHROMATIC) return null;
  const reach = Math.round(REACH_TEXT_HEIGHTS * textHeight);
  const box: Box = {
    x0: Math.max(0, Math.min(...found.map((a) => a.box.x0)) - reach),
    y0: Math.max(0, Math.min(...found.map((a) => a.box.y0)) - reach),
    x1: Math.min(image.width, Math.max(...found.map((a) => a.box.x1)) + reach),
    y1: Math.min(image.height, Math.max(...found.map((a) => a.box.y1)) + reach),
  };
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  // Everything in the box except what the marks found already cover.
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
  for (let l = 1; l <= n; l++) {
    if (strokes[l]! < MIN_PIECE_PX || dev[l]! <= 0) continue;
    const explained = 1 - left[l]! / dev[l]!;
    if (explained < minExplained) continue;
    keep[l] = 1;
    pieces++;
    explainedSum += explained;
  }
  if (pieces === 0) return null;
  const kept = new Float32Array(s.length);
  let strokePixels = 0;
  for (let i = 0; i < s.length; i++) {
    if (!keep[labels[i]!]) continue;
    kept[i] = s[i]!;
    if (s[i]! > 0.5) strokePixels++;
  }
  return {
    analysis: { ...analysis, coverage: kept, strokePixels },
    explained: explainedSum / pieces,
    pieces,
  };
}
