/**
 * One candidate region, measured: the background under it, the blend that best explains its deviations, and
 * the mark's coverage per pixel. Classification and removal read these; nothing here changes pixels.
 */
import type { RawImage } from '../types.js';
import {
  type BlendModel,
  coverage,
  fillUnder,
  fitBlend,
  medianBackground,
  type Planes,
  shapeCoverage,
} from './estimate-alpha.js';
import { type Box, dilate } from './raster.js';

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
}

/** JPEG-level noise we never try to explain, in 8-bit levels. */
export const NOISE_LEVELS = 2;

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

export function analyseRegion(image: RawImage, region: Region): RegionAnalysis | null {
  const radius = Math.max(4, Math.round(0.6 * region.textHeight));
  const box: Box = {
    x0: Math.max(0, region.box.x0 - radius),
    y0: Math.max(0, region.box.y0 - radius),
    x1: Math.min(image.width, region.box.x1 + radius),
    y1: Math.min(image.height, region.box.y1 + radius),
  };
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const regionMask = new Uint8Array(w * h);
  const rw = region.box.x1 - region.box.x0;
  for (let y = region.box.y0; y < region.box.y1; y++)
    for (let x = region.box.x0; x < region.box.x1; x++)
      regionMask[(y - box.y0) * w + (x - box.x0)] =
        region.mask[(y - region.box.y0) * rw + (x - region.box.x0)]!;

  const m = cropPlanes(image, box);
  let background = medianBackground(m, w, h, radius);
  const candidates = deviating(m, background, regionMask, 4 * NOISE_LEVELS);
  let model = fitBlend(m, background, candidates, NOISE_LEVELS);
  if (!model || model.alpha < 0.03) return null;

  // Strokes from the first background, then the background again from the pixels around the strokes.
  const minStroke = Math.max(1, Math.round(region.textHeight / 40));
  let s = shapeCoverage(coverage(m, background, model, regionMask, NOISE_LEVELS), w, h, minStroke);
  const strokes = new Uint8Array(w * h);
  for (let i = 0; i < strokes.length; i++) strokes[i] = s[i]! > 0 ? 1 : 0;
  const fillRadius = Math.max(2, Math.round(region.textHeight / 8));
  for (let pass = 0; pass < 2; pass++) {
    background = fillUnder(m, dilate(strokes, w, h, 1), w, h, fillRadius);
    // Refit on stroke interiors only: there the blend is exact, with no anti-aliasing.
    const interior: number[] = [];
    for (let i = 0; i < s.length; i++) if (s[i] === 1) interior.push(i);
    const refit = fitBlend(m, background, Int32Array.from(interior), NOISE_LEVELS);
    if (refit && refit.alpha >= 0.03) model = refit;
    s = shapeCoverage(coverage(m, background, model, regionMask, NOISE_LEVELS), w, h, minStroke);
    strokes.fill(0);
    for (let i = 0; i < strokes.length; i++) strokes[i] = s[i]! > 0 ? 1 : 0;
  }

  let strokePixels = 0;
  for (let i = 0; i < s.length; i++) if (s[i]! > 0.5) strokePixels++;
  return { box, width: w, height: h, pixels: m, background, model, coverage: s, strokePixels, regionMask };
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
