/**
 * The copies of a tiled mark the detector and the blend fit missed, restored with the mark's template: the
 * template from a copy on plain ground (`mark-template.ts`), the steps between copies (`repeat-steps.ts`), every
 * copy placed and tested (`locate-copies.ts`), once to confirm the template's strokes and once with them.
 *
 * Who restores what: on plain ground a found region's own measurement is exact and stays; the template adds
 * the rest of the copy (letters the detector missed, the faint rim). Over the product a found region measured
 * the product's texture as well, so the template restores the whole copy there and the found regions give up
 * those pixels (`owned`).
 */
import type { RawImage } from '../types.js';
import { type RegionAnalysis, strokeShareOn } from './analyse-region.js';
import type { BlendModel } from './estimate-alpha.js';
import { type Copy, locateCopies } from './locate-copies.js';
import {
  analysisAt,
  CONFIRMING_AGREEMENT,
  confirmedTemplate,
  isPlain,
  MAX_CONFIRMING,
  onPlainGround,
  templateOf,
} from './mark-template.js';
import { dilate, maskAbove } from './raster.js';
import { repeatSteps, strokeMap } from './repeat-steps.js';

/** A copy is restored when it adds this share of the template's strokes to what was found. */
const MIN_NEW_STROKES = 0.01;
/** Pixels around a found stroke that its region keeps restoring on plain ground. */
const FOUND_RIM_PX = 2;

export interface TiledCopies {
  /** One analysis per copy restored with the template, and how well the copy agreed with it (0..1). */
  readonly copies: readonly { readonly analysis: RegionAnalysis; readonly agreement: number }[];
  /** Image pixels the template copies restore instead of the found regions (1 = owned). */
  readonly owned: Uint8Array;
}

export function tiledCopies(
  image: RawImage,
  found: readonly RegionAnalysis[],
  model: BlendModel,
): TiledCopies | null {
  const { width: W, height: H } = image;
  const template = templateOf(found, model, W, H);
  if (!template) return null;
  const strokes = strokeMap(found, W, H);
  const steps = repeatSteps(strokes, found, W, H);
  // Placed once to confirm the template's strokes (as many clear copies as the confirmation reads), then
  // all of them with the template confirmed.
  const clear = (placed: readonly Copy[]) =>
    placed.filter((c) => c.agreement >= CONFIRMING_AGREEMENT).length > MAX_CONFIRMING;
  const confirmed = confirmedTemplate(
    image,
    template,
    model,
    locateCopies(image, template, model, steps, clear),
  );
  const restored = dilate(strokes, W, H, FOUND_RIM_PX);
  const none = new Uint8Array(W * H);
  const owned = new Uint8Array(W * H);
  const copies: { analysis: RegionAnalysis; agreement: number }[] = [];
  for (const copy of locateCopies(image, confirmed, model, steps).slice(1)) {
    const plain = onPlainGround(image, copy.template, copy.dx, copy.dy);
    const analysis = analysisAt(image, copy.template, model, copy.dx, copy.dy, plain ? restored : none);
    if (!analysis || analysis.strokePixels < MIN_NEW_STROKES * confirmed.strokes) continue;
    if (!plain) {
      const { box, width: w, height: h, coverage } = analysis;
      const grown = dilate(maskAbove(coverage, 0), w, h, FOUND_RIM_PX);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (grown[y * w + x]) owned[(y + box.y0) * W + x + box.x0] = 1;
    }
    copies.push({ analysis, agreement: copy.agreement });
  }
  return { copies, owned };
}

/** Share of a found region's strokes inside template copies above which the copies replace it altogether. */
const REPLACED_SHARE = 0.5;

/**
 * A found region after the template copies took over the pixels they `owned`: it gives those up; and a region
 * over the product whose strokes lie mostly in template copies is replaced altogether, since what else it took
 * for strokes there is the product's texture.
 */
export function yieldTo(a: RegionAnalysis, owned: Uint8Array, width: number): RegionAnalysis {
  const share = strokeShareOn(a, owned, width);
  if (share === 0) return a;
  const replaced = !isPlain(a) && share > REPLACED_SHARE;
  const coverage = a.coverage.slice();
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++)
      if (replaced || owned[(y + a.box.y0) * width + x + a.box.x0]) coverage[y * a.width + x] = 0;
  return { ...a, coverage };
}
