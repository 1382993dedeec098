/**
 * Candidates for marks that are no text (a stamp logo): PP-OCR finds no response on them at all, so they are
 * looked for in the pixels. A white or black overlay moves every pixel it covers straight towards its colour,
 * `m − B = α·s·(c − B)`: the deviation from the local background is parallel to `c − B` in RGB. Each pixel is
 * tested against a white and a black blend; pixels whose deviation that blend explains almost entirely, at a
 * semi-transparent opacity (print is opaque, `α·s` near 1), are stamped, and the large, dense clusters of them
 * become regions. These are only candidates: every one is measured and judged like a text region afterwards
 * (`analyse-region.ts`, `classify-overlay.ts`), so the product's own print and shading stay.
 */
import { type Box, labelMask } from '../connected-components.js';
import type { RawImage } from '../types.js';
import type { Region } from './analyse-region.js';
import { cropPlanes } from './analyse-region.js';
import { medianBackground } from './estimate-alpha.js';
import { boxCount, dilate, maskAbove } from './raster.js';

export interface OverlayOptions {
  /** Background window radius as a share of the image's short side (wider than a stamp's strokes). */
  readonly backgroundShare: number;
  /** Smallest deviation from the background that counts, 8-bit levels (RMS over channels). */
  readonly minDeviation: number;
  /** Least share of a pixel's deviation the blend must explain. */
  readonly minExplained: number;
  /** Opacity range `α·s` of a semi-transparent overlay. */
  readonly minOpacity: number;
  readonly maxOpacity: number;
  /** Smallest side of a candidate's box, as a share of the image's short side. */
  readonly minSide: number;
  /** Largest smaller side of a candidate's box (share of the short side): a product's outline, not a stamp. */
  readonly maxSide: number;
  /** Least share of a candidate's box its fitting pixels fill. */
  readonly minDensity: number;
  /** Least median opacity of the structure's edge pixels (a stroke's step up from the background). */
  readonly minStep: number;
  /** Least share of the structure's pixels on its edge (a filled blob of shading has few). */
  readonly minEdgeShare: number;
}

export const OVERLAY_DEFAULTS: OverlayOptions = {
  backgroundShare: 0.04,
  minDeviation: 8,
  minExplained: 0.9,
  minOpacity: 0.08,
  maxOpacity: 0.7,
  minSide: 0.08,
  maxSide: 0.6,
  minDensity: 0.06,
  minStep: 0.2,
  minEdgeShare: 0.05,
};

/** The blend colours tried: most stamps are white or black (grey ones lean towards one of them). */
const COLOURS = [255, 0] as const;
/** `c − B` below this (levels, RMS) leaves the direction undefined: a white mark on white is invisible. */
const MIN_CONTRAST = 20;

export interface OverlayCandidate {
  readonly region: Region;
  /** Grey level of the blend its pixels fit (255 white, 0 black). */
  readonly colour: number;
  /** Its edges step up sharply, as a stamp's strokes do (shading fades in): it may seed a stamp. */
  readonly sharp: boolean;
}

/** Regions that may hold a semi-transparent white or black overlay, largest first. */
export function overlayCandidates(
  image: RawImage,
  options: OverlayOptions = OVERLAY_DEFAULTS,
): OverlayCandidate[] {
  const { width: w, height: h } = image;
  const short = Math.min(w, h);
  const m = cropPlanes(image, { x0: 0, y0: 0, x1: w, y1: h });
  const radius = Math.max(6, Math.round(options.backgroundShare * short));
  const b = medianBackground(m, w, h, radius);
  const regions: OverlayCandidate[] = [];
  for (const c of COLOURS) {
    const opacity = fittingPixels(m, b, c, options);
    const fits = dense(maskAbove(opacity, 0), w, h, Math.max(3, Math.round(DENSITY_SHARE * short)));
    // Strokes of one stamp lie a few pixels apart: closing the gaps makes the stamp one cluster.
    const gap = Math.max(2, Math.round(0.01 * short));
    const joined = dilate(fits, w, h, gap);
    const { labels, components } = labelMask(w, h, joined);
    const counts = new Int32Array(components.length + 1);
    const edgeHist = new Int32Array((components.length + 1) * BINS);
    const edge = steps(opacity, m, b, w, h, options);
    for (let i = 0; i < fits.length; i++) {
      if (edge[i]) edgeHist[labels[i]! * BINS + Math.min(BINS - 1, Math.floor(opacity[i]! * BINS))]!++;
      if (!fits[i]) continue;
      counts[labels[i]!]!++;
    }
    components.forEach((comp, k) => {
      const bw = comp.box.x1 - comp.box.x0;
      const bh = comp.box.y1 - comp.box.y0;
      if (Math.min(bw, bh) < options.minSide * short || Math.min(bw, bh) > options.maxSide * short) return;
      if (counts[k + 1]! < options.minDensity * bw * bh) return;
      // A stamp's strokes rise from the background to their opacity in a pixel or two; shading and highlights
      // fade in, so their edge pixels sit at the faintest opacity that still counts.
      const edges = edgeHist.subarray((k + 1) * BINS, (k + 2) * BINS);
      const edgeCount = edges.reduce((x, y) => x + y, 0);
      const step = median(edges);
      const sharp = edgeCount >= options.minEdgeShare * counts[k + 1]! && step >= options.minStep;
      const mask = new Uint8Array(bw * bh);
      for (let y = 0; y < bh; y++)
        for (let x = 0; x < bw; x++)
          if (labels[(y + comp.box.y0) * w + x + comp.box.x0] === k + 1) mask[y * bw + x] = 1;
      // The median under the analysis spans the same window as here: textHeight is that radius / 0.6.
      regions.push({ region: { box: comp.box, mask, textHeight: radius / 0.6 }, colour: c, sharp });
    });
  }
  const area = (b: Box) => (b.x1 - b.x0) * (b.y1 - b.y0);
  return regions.sort((p, q) => area(q.region.box) - area(p.region.box));
}

/** Window radius (share of the short side) over which stamped pixels must be dense. */
const DENSITY_SHARE = 0.015;
const DENSITY_MIN = 0.25;

/**
 * Stamped pixels in a dense neighbourhood: a stamp's strokes fill an area, while the background's misfit along
 * the product's outline (the median cannot follow a corner or a thin strap) fits a blend only on thin lines.
 */
function dense(fits: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const count = boxCount(fits, w, h, r);
  const min = DENSITY_MIN * (2 * r + 1) * (2 * r + 1);
  const out = new Uint8Array(fits.length);
  for (let i = 0; i < fits.length; i++) out[i] = fits[i] && count[i]! >= min ? 1 : 0;
  return out;
}

const BINS = 20;

function median(hist: Int32Array): number {
  const total = hist.reduce((x, y) => x + y, 0);
  let acc = 0;
  for (let j = 0; j < hist.length; j++) {
    acc += hist[j]!;
    if (2 * acc >= total) return (j + 0.5) / hist.length;
  }
  return 0;
}

/** Fitting pixels beside a pixel that does not deviate from the background at all: the edge of the structure. */
function steps(
  opacity: Float32Array,
  m: readonly Float32Array[],
  b: readonly Float32Array[],
  w: number,
  h: number,
  o: OverlayOptions,
): Uint8Array {
  const out = new Uint8Array(opacity.length);
  const quiet = (i: number) => {
    let dd = 0;
    for (let k = 0; k < 3; k++) dd += (m[k]![i]! - b[k]![i]!) ** 2;
    return dd < 3 * (o.minDeviation / 2) ** 2;
  };
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (opacity[i]! <= 0) continue;
      if (quiet(i - 1) || quiet(i + 1) || quiet(i - w) || quiet(i + w)) out[i] = 1;
    }
  return out;
}

/** Opacity `α·s` where the pixel's deviation from `b` is a semi-transparent blend towards grey level `c`, else 0. */
function fittingPixels(
  m: readonly Float32Array[],
  b: readonly Float32Array[],
  c: number,
  o: OverlayOptions,
): Float32Array {
  const n = m[0]!.length;
  const out = new Float32Array(n);
  const minDev2 = 3 * o.minDeviation * o.minDeviation;
  const minE2 = 3 * MIN_CONTRAST * MIN_CONTRAST;
  for (let i = 0; i < n; i++) {
    let dd = 0;
    let de = 0;
    let ee = 0;
    for (let k = 0; k < 3; k++) {
      const bk = b[k]![i]!;
      const d = m[k]![i]! - bk;
      const e = c - bk;
      dd += d * d;
      de += d * e;
      ee += e * e;
    }
    if (dd < minDev2 || ee < minE2) continue;
    const s = de / ee;
    if (s < o.minOpacity || s > o.maxOpacity) continue;
    // Share of the deviation along c − B: 1 for a pure blend, less for a change of hue (print, texture).
    if (de * de < o.minExplained * dd * ee) continue;
    out[i] = s;
  }
  return out;
}
