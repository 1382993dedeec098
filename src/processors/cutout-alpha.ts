/**
 * From model maps to the cut-out's alpha at full resolution, in three steps:
 *  1. at the model's resolution: fuse the two models' opinions, keep the subject's regions, fill the holes
 *     the models are unsure about (mask-refine.ts);
 *  2. up to full resolution, then edges snapped to the photo's colour edges with the fast guided filter,
 *     only inside a band around the mask's edge, so interiors stay solid and backgrounds stay clean;
 *  3. with `alpha_matting`, the seed's trimap semantics: where the mask is above the foreground threshold
 *     the pixel is subject, below the background threshold it is background, and the rest (grown by
 *     `erode` px, as rembg does) is left to the guided filter, which then decides more of the edge.
 * Pure and synchronous: no models, no I/O; the processor hands in the maps.
 */

import { nonzeroBox } from './connected-components.js';
import { inFocusPart } from './focus/in-focus-subject.js';
import { fadeGhosts, fillUnsureHoles, fuseOpinions, selectSubject } from './mask-refine.js';
import { downsampleRgb } from './matting/downsample.js';
import { boxMean, type FloatMap, resizeBilinear } from './matting/float-map.js';
import {
  applyGuidedInto,
  guidedCoefficients,
  guideFromPixels,
  type Window,
} from './matting/guided-filter.js';
import { type Backdrop, showsBackdrop } from './studio-shot.js';

export interface AlphaOptions {
  /** Trimap thresholds on 0..1 (the seed's 240/255 and 10/255), only with `matting`. */
  readonly matting: { readonly foreground: number; readonly background: number } | null;
  /**
   * The backdrop, when it is one plain colour (studio-shot.ts): a pixel below ½ alpha that shows exactly
   * that colour is backdrop, so its alpha becomes 0 (an unfilled hole's haze, an edge's faint rim). Null
   * for busy backgrounds.
   */
  readonly backdrop?: Backdrop | null;
  /** Overrides of the tuned constants, for ablations in bench/ (never set by the processor). */
  readonly tuning?: Partial<Tuning>;
}

export interface AlphaResult {
  /** 0..1 per pixel at the image's size. */
  readonly alpha: Float32Array;
  readonly regions: number;
  readonly keptRegions: number;
  readonly filledHoles: number;
  /** Share of the selected subject dropped as a blurred scene object joined to it (0: none). */
  readonly outOfFocusShare: number;
  /** Milliseconds per step, wall clock. */
  readonly timings: { select: number; refine: number };
  /** Milliseconds of CPU per step (process-wide: what the step costs on a shared machine). */
  readonly cpuTimings: { select: number; refine: number };
}

/** Tuned on ../shared/datasets/product-composites and fg-masks (see docs/models.md and bench/eval-bg.ts). */
export const TUNING = {
  /** Weight of the second model where the first is undecided (mask-refine.ts fuseOpinions). */
  fuseStrength: 1,
  selection: {
    coreThreshold: 0.5,
    extentThreshold: 0.1,
    keepRatio: 0.3,
    minAreaFraction: 0.002,
    agreementWeight: 1,
    centreWeight: 0,
    erode: 0,
  },
  /** A hole is filled when the main model gives it at least this mean … */
  holeMainMean: 0.1,
  /** … and either model at least this. */
  holeEitherMean: 0.4,
  /** Faint alpha farther than this (map px) from the solid subject is faded out (0: off). */
  ghostRadius: 32,
  /**
   * Drop the out-of-focus part of the selection when a blurred scene object is joined to a sharp product
   * (focus/in-focus-subject.ts).
   */
  focusSplit: true,
  /** The focus split works at most at this many px on the long side (edge blur is measured in its px). */
  focusSide: 1600,
  /** Dilation (map px) of the kept regions before masking, so their soft rims survive. */
  keepDilation: 3,
  /** Guided filter fitted at about this many px on the long side (768 scores as 1024 at 56% of the cost) … */
  guideSide: 768,
  /**
   * … or at this multiple of the model map's side if that is smaller: a coarse map (U²-Net-p's 320) gains
   * nothing from a finer fit (a 384 px fit scores as 768 on product-composites and fg-masks, at half the cost).
   */
  guidePerMapSide: 1.2,
  guideRadius: 2,
  guideEps: 1e-3,
  /** With alpha_matting: erosion of the sure regions, px at full resolution (rembg's erode_size). */
  mattingErode: 10,
  /** Half-width of the edge band the guided filter may change, in guide px (0: no edge refinement). */
  bandRadius: 3,
  /** On a plain backdrop, alpha below ½ where the pixel shows the backdrop's colour becomes 0. */
  clearBackdrop: true,
};
export type Tuning = typeof TUNING;

const now = () => performance.now();
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * `main` is the primary model's map, `second` (optional) another model's (any size; resized to `main`).
 * `pixels` is the full-resolution image (interleaved, `channels` per pixel).
 */
export function computeAlpha(
  main: FloatMap,
  second: FloatMap | null,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  options: AlphaOptions,
): AlphaResult {
  const T: Tuning = { ...TUNING, ...options.tuning };
  let t = now();
  let c = cpuNow();
  const { width: mw, height: mh } = main;
  const q = second ? resizeBilinear(second, mw, mh).data : undefined;
  const p = q ? fuseOpinions(main.data, q, T.fuseStrength) : main.data.slice();
  const selection = selectSubject(
    { data: p, width: mw, height: mh },
    q,
    q ? T.selection : { ...T.selection, agreementWeight: 0 },
  );
  const keepFloat = new Float32Array(selection.keep.length);
  for (let i = 0; i < keepFloat.length; i++) keepFloat[i] = selection.keep[i]!;
  const near = boxMean(keepFloat, mw, mh, T.keepDilation);
  const mask = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) mask[i] = near[i]! > 0 ? p[i]! : 0;
  // A plain backdrop holds no scene object to be out of focus: the split's edge-blur pass is skipped there.
  const outOfFocus =
    T.focusSplit && !options.backdrop
      ? dropOutOfFocus(mask, mw, mh, pixels, width, height, channels, T.focusSide)
      : 0;
  const inside = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) inside[i] = mask[i]! >= 0.5 ? 1 : 0;
  let either = mask;
  if (q) {
    either = new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) either[i] = mask[i]! > q[i]! ? mask[i]! : q[i]!;
  }
  const filledHoles = fillUnsureHoles(mask, either, mw, mh, inside, T.holeMainMean, T.holeEitherMean);
  if (T.ghostRadius > 0) fadeGhosts(mask, mw, mh, T.ghostRadius);
  const select = now() - t;
  const selectCpu = cpuNow() - c;

  t = now();
  c = cpuNow();
  const alpha = refineEdges(
    { data: mask, width: mw, height: mh },
    pixels,
    width,
    height,
    channels,
    options,
    T,
  );
  if (options.backdrop && T.clearBackdrop) clearBackdrop(alpha, pixels, channels, options.backdrop);
  const refine = now() - t;
  const refineCpu = cpuNow() - c;
  return {
    alpha,
    regions: selection.regions,
    keptRegions: selection.kept,
    filledHoles,
    outOfFocusShare: outOfFocus,
    timings: { select, refine },
    cpuTimings: { select: selectCpu, refine: refineCpu },
  };
}

/**
 * Zeroes the selection's out-of-focus part in `mask` (model resolution), in place; returns the share of the
 * selection dropped. The split is decided on the photo at up to focusSide px, where edge blur is measured.
 */
function dropOutOfFocus(
  mask: Float32Array,
  mw: number,
  mh: number,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  side: number,
): number {
  const scale = Math.min(1, side / Math.max(width, height));
  const fw = Math.max(1, Math.round(width * scale));
  const fh = Math.max(1, Math.round(height * scale));
  const rgb = downsampleRgb(pixels, width, height, channels, fw, fh, {
    left: 0,
    top: 0,
    width: fw,
    height: fh,
  });
  const region = new Uint8Array(fw * fh);
  const big = resizeBilinear({ data: mask, width: mw, height: mh }, fw, fh).data;
  for (let i = 0; i < region.length; i++) region[i] = big[i]! >= 0.5 ? 1 : 0;
  const part = inFocusPart(rgb, region, fw, fh);
  if (!part) return 0;
  const keep = new Float32Array(fw * fh);
  for (let i = 0; i < keep.length; i++) keep[i] = part.keep[i]! || !region[i] ? 1 : 0;
  const small = resizeBilinear({ data: keep, width: fw, height: fh }, mw, mh).data;
  for (let i = 0; i < mask.length; i++) if (small[i]! < 0.5) mask[i] = 0;
  return part.droppedShare;
}

/** Step 2 and 3: full-resolution alpha from the model-resolution mask. */
function refineEdges(
  mask: FloatMap,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  options: AlphaOptions,
  T: Tuning,
): Float32Array {
  if (T.bandRadius === 0 && !options.matting) return resizeBilinear(mask, width, height).data;
  // The guided filter is fitted at about guideSide px (never above the image's own size) …
  const guideSide = Math.min(T.guideSide, Math.round(T.guidePerMapSide * Math.max(mask.width, mask.height)));
  const scale = Math.min(1, guideSide / Math.max(width, height));
  const gw = Math.max(1, Math.round(width * scale));
  const gh = Math.max(1, Math.round(height * scale));
  const low = resizeBilinear(mask, gw, gh).data;
  // … inside the band where the mask changes (or, with matting, where the trimap is unknown).
  const band = new Float32Array(gw * gh);
  if (options.matting) {
    // rembg's trimap: sure subject at or above the foreground threshold, sure background at or below the
    // background threshold, both eroded by its default erode_size (10 px at full resolution); the rest is
    // unknown and decided by the guided filter.
    const { foreground, background } = options.matting;
    const erode = Math.max(1, Math.round(T.mattingErode * scale));
    const fg = boxMean(
      Float32Array.from(low, (v) => (v >= foreground ? 1 : 0)),
      gw,
      gh,
      erode,
    );
    const bg = boxMean(
      Float32Array.from(low, (v) => (v <= background ? 1 : 0)),
      gw,
      gh,
      erode,
    );
    for (let i = 0; i < band.length; i++) band[i] = fg[i]! > 0.999 || bg[i]! > 0.999 ? 0 : 1;
  } else {
    for (let i = 0; i < band.length; i++) band[i] = low[i]! >= 0.5 ? 1 : 0;
    const m = boxMean(band, gw, gh, T.bandRadius);
    for (let i = 0; i < band.length; i++) band[i] = m[i]! > 0 && m[i]! < 1 ? 1 : 0;
  }
  // The radius is in guide px at a 1024 px guide; a smaller picture gets a proportionally smaller window,
  // so a 256 px thumbnail is not feathered over a sixtieth of its width.
  const radius = Math.max(1, Math.round((T.guideRadius * Math.max(gw, gh)) / guideSide));
  const alpha = resizeBilinear(mask, width, height).data;
  // The filter is fitted only on the band's bounding box, grown by the reach of its two box passes.
  const window = bandWindow(band, gw, gh, 2 * radius + 2);
  if (!window) return alpha;
  const guide = guideFromPixels(
    downsampleRgb(pixels, width, height, channels, gw, gh, window),
    window.width,
    window.height,
    3,
  );
  const coefficients = guidedCoefficients(guide, cropMap(low, gw, window), radius, T.guideEps);
  applyGuidedInto(
    alpha,
    coefficients,
    { data: band, width: gw, height: gh },
    pixels,
    width,
    height,
    channels,
    window,
  );
  return alpha;
}

/**
 * Faint alpha (below ½) over pixels that show the plain backdrop's own colour is cleared: a translucent part
 * or a soft edge tints the backdrop, so it keeps its alpha; a haze the models left over plain backdrop (the
 * inside of a handle, a rim around the product) does not. Solid alpha is left alone (a white label on white).
 */
function clearBackdrop(alpha: Float32Array, pixels: Uint8Array, channels: number, backdrop: Backdrop): void {
  for (let i = 0, j = 0; i < alpha.length; i++, j += channels) {
    const a = alpha[i]!;
    if (a > 0 && a < 0.5 && showsBackdrop(pixels, j, backdrop)) alpha[i] = 0;
  }
}

/** Bounding box of the nonzero pixels of `band`, grown by `pad` and clipped to the map; null if none. */
function bandWindow(band: Float32Array, width: number, height: number, pad: number): Window | null {
  const box = nonzeroBox(band, width, height, pad);
  return box ? { left: box.x0, top: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 } : null;
}

function cropMap(data: Float32Array, width: number, w: Window): Float32Array {
  const out = new Float32Array(w.width * w.height);
  for (let y = 0; y < w.height; y++) {
    const from = (y + w.top) * width + w.left;
    out.set(data.subarray(from, from + w.width), y * w.width);
  }
  return out;
}
