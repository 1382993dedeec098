/**
 * Where copies of a tiled mark overlap (one line's end over the next one's start, "…sale.com" over "www."),
 * the mark is blended twice: `m = α·c + (1−α)·(α·c + (1−α)·B)`, one layer of the same colour at opacity
 * `α·(2 − α)`. Coverage capped at 1 removes one of the two layers and leaves the other as visible as a single
 * copy. Where a solid area of a copy deviates from its background clearly more than one layer can, its
 * coverage is raised to what it measures, up to two layers, so un-blending removes both.
 */
import { labelMask } from '../connected-components.js';
import type { RegionAnalysis } from './analyse-region.js';
import { blendShare } from './estimate-alpha.js';
import { dilate } from './raster.js';

/** Smallest overlap kept, pixels (a speck of texture above one layer is not an overlap). */
const MIN_OVERLAP_PX = 12;
/** Pixels around an overlap whose coverage may be raised with it (its anti-aliased edge). */
const EDGE_PX = 1;

/** The analysis with its overlapping copies' coverage measured above 1 where two layers show. */
export function withStackedCopies(a: RegionAnalysis): RegionAnalysis {
  const { width: w, height: h, pixels: m, background: b, model, coverage: s } = a;
  const stacked = 2 - model.alpha;
  // Halfway between one layer and two: noise around one layer stays below it.
  const threshold = 1 + (1 - model.alpha) / 2;
  const raw = new Float32Array(s.length);
  const over = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    if (s[i]! <= 0) continue;
    const share = blendShare(m, b, model, i);
    raw[i] = Number.isNaN(share) ? 0 : share;
    if (s[i] === 1 && raw[i]! > threshold) over[i] = 1;
  }
  const { labels, components } = labelMask(w, h, over);
  if (components.length === 0) return a;
  // An overlap is two layers throughout: its median deviation is two layers' within a quarter of a layer's
  // room to white or black. A dark fold or a product edge under a copy deviates by anything.
  const values: number[][] = components.map(() => []);
  for (let i = 0; i < s.length; i++) if (labels[i]) values[labels[i]! - 1]!.push(raw[i]!);
  const overlap = values.map((v) => {
    if (v.length < MIN_OVERLAP_PX) return false;
    v.sort((p, q) => p - q);
    return Math.abs(v[v.length >> 1]! - stacked) <= (1 - model.alpha) / 4;
  });
  const kept = new Uint8Array(s.length);
  let any = false;
  for (let i = 0; i < s.length; i++) {
    if (labels[i] && overlap[labels[i]! - 1]) {
      kept[i] = 1;
      any = true;
    }
  }
  if (!any) return a;
  const near = dilate(kept, w, h, EDGE_PX);
  const coverage = s.slice();
  for (let i = 0; i < s.length; i++)
    if (near[i] && s[i]! > 0) coverage[i] = Math.max(s[i]!, Math.min(stacked, raw[i]!));
  return { ...a, coverage };
}
