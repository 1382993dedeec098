/**
 * Watermark or the product's own print? A watermark is an overlay: one colour laid over whatever is beneath at
 * one opacity, so its pixels fit `m = α·c + (1−α)·B` even where the background B changes under it; it often
 * floats on the plain studio background, where no print can be; and it is often repeated. Print is opaque ink
 * on the product: over a flat surface the blend cannot tell it apart (any α fits), so such text is kept unless
 * it lies on the background or is one of many copies of the same mark.
 *
 * | evidence                                   | verdict                                 |
 * | ------------------------------------------ | --------------------------------------- |
 * | blend fits and B spans a range under it    | overlay (confidence grows with spread)  |
 * | flat B, strokes on the plain background    | overlay if neutral, or ground plain too |
 * | strokes partly on the plain background     | overlay if neutral (crosses the edge)   |
 * | flat B, same (α, c) as other overlays      | overlay (repetition)                    |
 * | small neutral text in a corner of the image | overlay (a credit, not print)           |
 * | flat B on the product, or blend misfits    | print: untouched                        |
 */
import { labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import {
  groundShareOn,
  type RegionAnalysis,
  restoredShareOf,
  strokeBox,
  strokeGroundShare,
  strokeShareOn,
} from './analyse-region.js';
import { clamp, dilateColumns } from './raster.js';

export interface Verdict {
  readonly overlay: boolean;
  /** 0..1 */
  readonly confidence: number;
  readonly reason: string;
  /** Judged by its blend holding over a changing (textured) background. */
  readonly overTexture?: true;
}

export interface Thresholds {
  /** Background spread (luma std, levels) under the strokes that proves transparency. */
  readonly spread: number;
  /** Share of the deviation the blend must explain. */
  readonly explained: number;
  /** Share of strokes on the plain background for a flat-background overlay. */
  readonly onBackground: number;
}

/** Thresholds from `detection_sensitivity` (0 = only the surest marks, 1 = anything that fits a blend). */
export function thresholdsFor(sensitivity: number): Thresholds {
  return {
    spread: 30 - 20 * sensitivity,
    explained: 0.99 - 0.08 * sensitivity,
    onBackground: 0.9 - 0.3 * sensitivity,
  };
}

/**
 * Densest mark accepted where it lies over the product: semi-transparent supplier marks sit at 15–50 %, while
 * product print (LCD digits, labels on a curved surface) that happens to fit a blend fits it denser (a watch's
 * LCD print at 0.58 on wg03 of the second set, accepted under 0.6; at 0.5 the shared set's mb03 logo is refused
 * where it crosses the backpack). On the plain background a mark may be denser (corner names at 85 %): no
 * print can be there.
 */
export const MAX_PRODUCT_OVERLAY_ALPHA = 0.55;

/**
 * Share of the unmarked pixels around a coloured line that must be the plain backdrop for it to float there,
 * and of both its strokes and that ground for a mark to lie wholly on the backdrop.
 */
const OPEN_GROUND = 0.98;

/** Whether a mark's strokes and the unmarked ground around them lie on the plain backdrop (an image-sized mask). */
export function whollyOnBackdrop(a: RegionAnalysis, plain: Uint8Array, width: number): boolean {
  return strokeShareOn(a, plain, width) >= OPEN_GROUND && groundShareOn(a, plain, width) >= OPEN_GROUND;
}

/** How much less of the deviation the blend may explain for a mark wholly on the backdrop. */
const LOOSE_FIT = 0.06;

/** A plausible mark: opacity between faint and opaque, colour inside the gamut, and the fit tight. */
export function plausibleBlend(a: RegionAnalysis, t: Thresholds): boolean {
  const { alpha, colour, explained } = a.model;
  const inGamut = colour.every((v) => v > -20 && v < 275);
  return alpha >= 0.06 && alpha <= 0.85 && inGamut && explained >= t.explained && a.strokePixels >= 30;
}

/** Largest difference between the colour's channels: 0 for white, grey and black marks. */
export function chroma(colour: readonly number[]): number {
  return Math.max(...colour) - Math.min(...colour);
}

/**
 * Spread between a mark colour's channels below which it is neutral (white, grey, black): a blend of such a
 * colour also explains the product's own shading and highlights, while a hue is itself evidence of a mark.
 */
const CHROMATIC = 40;

/** Whether a mark's colour is white, grey or black rather than a hue. */
export function isNeutral(colour: readonly number[]): boolean {
  return chroma(colour) < CHROMATIC;
}

/** The image a mark is judged in: its size, and the backdrop no print can lie on. */
export interface Scene {
  readonly width: number;
  readonly height: number;
  /** Image-sized mask of the backdrop (grown), null where the image has none. */
  readonly backdrop: Uint8Array | null;
  /** Whether the backdrop is a graded one (`gradedBackdrop`, a lit sweep) rather than one colour. */
  readonly graded: boolean;
  /**
   * A plain backdrop's colour, for bold letters counted by the ground around them (`shareOnPlain`); null where
   * that test is not wanted.
   */
  readonly backdropColour: readonly number[] | null;
}

/**
 * Whether a measured region is a watermark or the product's own print, and why: a blend that holds across a
 * changing background, a mark afloat on the backdrop or crossing onto it, or a small neutral credit in a corner.
 */
export function classify(a: RegionAnalysis, scene: Scene, t: Thresholds): Verdict {
  const { width, height, backdrop: plainBackground, graded, backdropColour } = scene;
  if (!plausibleBlend(a, t)) {
    // Wholly on the backdrop the restored pixels are the backdrop whatever α is, so a looser fit will do there:
    // thin coloured letters keep their JPEG-subsampled chroma off the blend's line.
    const looselyAfloat =
      plainBackground !== null &&
      plausibleBlend(a, { ...t, explained: t.explained - LOOSE_FIT }) &&
      whollyOnBackdrop(a, plainBackground, width);
    if (!looselyAfloat) {
      if (opaqueCredit(a, t, width, height))
        return { overlay: true, confidence: 0.4, reason: 'opaque credit in a corner, over flat ground' };
      return { overlay: false, confidence: 0, reason: 'blend does not fit' };
    }
    return { overlay: true, confidence: 0.4, reason: 'floats on the plain background' };
  }
  const { backgroundSpread, explained } = a.model;
  const fit = clamp((explained - t.explained) / (1 - t.explained + 1e-6), 0, 1);
  // Over the product, a dense mark (above MAX_PRODUCT_OVERLAY_ALPHA) looks too much like ink that happens to fit.
  if (backgroundSpread >= t.spread && a.model.alpha <= MAX_PRODUCT_OVERLAY_ALPHA) {
    return {
      overlay: true,
      confidence: clamp(0.5 + 0.5 * fit * Math.min(1, backgroundSpread / (2 * t.spread)), 0, 1),
      reason: 'blend holds across a changing background',
      overTexture: true,
    };
  }
  // On a graded backdrop (`gradedBackdrop`) a bold letter counts whole by the ground around it. On a plain one
  // only its pixels on the ground count, as the marks on the Magento shots were judged: counted whole there,
  // bold lines passed whose extension along the line then marred the product under them (a mesh bag, a rope's
  // grip: ug03 of the second set).
  const share = !plainBackground
    ? 0
    : graded
      ? strokeGroundShare(a, plainBackground, width)
      : shareOnPlain(a, plainBackground, width, t, backdropColour);
  const neutral = isNeutral(a.model.colour);
  // A coloured line could be print on a white product that the backdrop's flood reached; it counts as floating
  // only when the ground all round it is the backdrop too, with no product edge or shading in its box.
  const afloat =
    share >= t.onBackground &&
    (neutral || (plainBackground !== null && groundShareOn(a, plainBackground, width) >= OPEN_GROUND));
  if (afloat) {
    return {
      overlay: true,
      confidence: clamp(0.4 + 0.5 * share * fit, 0, 1),
      reason: 'floats on the plain background',
    };
  }
  // Print stays inside the product; strokes that run on from the product onto the plain background lie over both.
  if (
    share >= 0.15 &&
    neutral &&
    backgroundSpread >= t.spread / 3 &&
    a.model.alpha <= MAX_PRODUCT_OVERLAY_ALPHA
  ) {
    return { overlay: true, confidence: clamp(0.4 + 0.4 * fit, 0, 1), reason: 'crosses the product edge' };
  }
  // A small, neutral line of text tucked into a corner is a credit (a name, a URL), not the product's print:
  // product photos centre the product.
  if (neutral && inCorner(a, width, height)) {
    return { overlay: true, confidence: clamp(0.4 + 0.4 * fit, 0, 1), reason: 'small mark in a corner' };
  }
  return { overlay: false, confidence: 0, reason: 'flat background on the product: could be print' };
}

/** Share of a bold line's strokes that un-blending must give back as the backdrop's colour to count whole. */
const RESTORED_AS_BACKDROP = 0.9;

/**
 * Share of a line's strokes on a plain backdrop, pixel by pixel; or, where that falls short, letter by letter
 * by the ground around each (`strokeGroundShare`), if un-blending the strokes gives back the backdrop's colour.
 * The flood that finds the backdrop stops at a bold letter's edge, so a bold grey "SAMPLE" on white seems to lie
 * a third on it; a bold line over a mesh bag or a rope's grip has backdrop round it too, but gives back the
 * product.
 */
function shareOnPlain(
  a: RegionAnalysis,
  plainBackground: Uint8Array,
  width: number,
  t: Thresholds,
  backdropColour: readonly number[] | null,
): number {
  const share = strokeShareOn(a, plainBackground, width);
  if (share >= t.onBackground || !backdropColour) return share;
  const whole = strokeGroundShare(a, plainBackground, width);
  return whole >= t.onBackground && restoredShareOf(a, backdropColour) >= RESTORED_AS_BACKDROP
    ? whole
    : share;
}

/**
 * Largest connected stroke of a line of text, in text heights squared: a glyph covers well under one, bold
 * letters that touch a few. Strokes that join into one piece along the line are the gaps between light letters,
 * read as a dark mark where the median under bold letters took their level (3.7–6.5 there; at most 2.6 over
 * the marks the synthetic sets accept).
 */
const MAX_STROKE_AREA = 3;

/** Whether a region's strokes are letter-sized pieces rather than one piece running along the line. */
export function strokesAreLetters(a: RegionAnalysis, textHeight: number): boolean {
  const { components } = labelComponents(a.width, a.height, (i) => a.coverage[i]! > 0.5);
  const largest = components.reduce((max, c) => Math.max(max, c.area), 0);
  return largest <= MAX_STROKE_AREA * textHeight * textHeight;
}

/**
 * A line too dense to un-blend, neutral, small, in a corner, over flat neutral ground: a stock preview's ID or
 * a credit set opaque on a letterbox or a white margin. Product photos centre the product, and such ground in a
 * corner is no product surface, so inpainting it restores that ground. A sale tag's white letters lie on its
 * own red, which is print.
 */
function opaqueCredit(a: RegionAnalysis, t: Thresholds, width: number, height: number): boolean {
  const { alpha, colour, explained, backgroundSpread } = a.model;
  return (
    alpha > 0.85 &&
    explained >= t.explained &&
    backgroundSpread < t.spread / 2 &&
    a.strokePixels >= 30 &&
    isNeutral(colour) &&
    isNeutral(groundUnderStrokes(a)) &&
    inCorner(a, width, height)
  );
}

/** Mean colour of the background under a region's strokes (coverage above one half). */
function groundUnderStrokes(a: RegionAnalysis): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < a.coverage.length; i++) {
    if (a.coverage[i]! <= 0.5) continue;
    for (let k = 0; k < 3; k++) sum[k]! += a.background[k]![i]!;
    n++;
  }
  return n > 0 ? [sum[0]! / n, sum[1]! / n, sum[2]! / n] : [0, 0, 0];
}

/** Share of the image's width and height within which a region counts as in a corner. */
const CORNER_SHARE = 0.12;
/** Largest share of the image a corner credit covers. */
const CORNER_MAX_AREA = 0.04;

/** The region's strokes lie within CORNER_SHARE of two adjacent edges and cover little of the image. */
function inCorner(a: RegionAnalysis, width: number, height: number): boolean {
  const box = strokeBox([a]);
  if (!box) return false;
  const { x0, y0, x1, y1 } = box;
  if ((x1 - x0) * (y1 - y0) > CORNER_MAX_AREA * width * height) return false;
  const nearLeft = x0 < CORNER_SHARE * width;
  const nearRight = x1 > (1 - CORNER_SHARE) * width;
  const nearTop = y0 < CORNER_SHARE * height;
  const nearBottom = y1 > (1 - CORNER_SHARE) * height;
  return (nearLeft || nearRight) && (nearTop || nearBottom);
}

/**
 * The plain background: pixels reachable from the image border through pixels close to the border's own colour
 * (a studio sweep), grown by `growPx` so thin strokes drawn over it count as on it. Null when the border is not
 * one plain colour (a photograph behind the product).
 */
export function plainBackground(image: RawImage, growPx: number): Uint8Array | null {
  return plainBackdrop(image, growPx)?.grown ?? null;
}

/** A backdrop as the frame's flood reached it (`core`), and grown by `growPx` (`grown`). */
export interface BackdropMasks {
  readonly core: Uint8Array;
  readonly grown: Uint8Array;
}

/** `plainBackground`, with the backdrop as the flood reached it beside the grown one. */
export function plainBackdrop(image: RawImage, growPx: number): BackdropMasks | null {
  const { width: w, height: h, data } = image;
  const { border, median: ref } = borderSamples(image);
  let near = 0;
  const total = border[0]!.length;
  for (let i = 0; i < total; i++)
    if (
      Math.abs(border[0]![i]! - ref[0]!) +
        Math.abs(border[1]![i]! - ref[1]!) +
        Math.abs(border[2]![i]! - ref[2]!) <
      30
    )
      near++;
  if (near < 0.6 * total) return null;
  const tol = 14;
  const r0 = ref[0]!;
  const g0 = ref[1]!;
  const b0 = ref[2]!;
  // 1: within `tol` of the border's colour in every channel; 2: also reached from the border (plain ground).
  // Loops without closures: this runs over every pixel of every image.
  const state = new Uint8Array(w * h);
  for (let i = 0, j = 0; i < w * h; i++, j += 4) {
    const dr = data[j]! - r0;
    const dg = data[j + 1]! - g0;
    const db = data[j + 2]! - b0;
    if (dr <= tol && dr >= -tol && dg <= tol && dg >= -tol && db <= tol && db >= -tol) state[i] = 1;
  }
  return floodFromBorder(state, w, h, growPx);
}

/** Rows over which the left and right border colours of a graded backdrop are taken (a median, against noise). */
const PROFILE_ROWS = 17;

/**
 * A graded backdrop, where the border is no one colour (`plainBackground` is null) but a smooth ramp: a studio
 * sweep lit from above, a wall in a gradient, an evening sky. Each row's reference runs linearly from the
 * left border's colour to the right border's, so vertical ramps, horizontal ones and their mix are followed;
 * the ground is what a flood from the border reaches through pixels close to their reference, as for a plain
 * one. Null when the border does not follow such a ramp (a photograph: grass, water, a room).
 *
 * Only the overlay test uses it (whether strokes float on ground no print can be on): what restores or
 * re-fills the backdrop with one colour keeps to `plainBackground`.
 */
export function gradedBackdrop(image: RawImage, growPx: number): BackdropMasks | null {
  const { width: w, height: h, data } = image;
  if (w < 2 || h < 2) return null;
  const left = columnProfile(image, 0);
  const right = columnProfile(image, w - 1);
  const refAt = (x: number, y: number, k: number) =>
    left[y * 3 + k]! + ((right[y * 3 + k]! - left[y * 3 + k]!) * x) / (w - 1);
  const off = (x: number, y: number) => {
    const j = (y * w + x) * 4;
    return (
      Math.abs(data[j]! - refAt(x, y, 0)) +
      Math.abs(data[j + 1]! - refAt(x, y, 1)) +
      Math.abs(data[j + 2]! - refAt(x, y, 2))
    );
  };
  let near = 0;
  let total = 0;
  for (let x = 0; x < w; x += 2) {
    near += (off(x, 0) < 30 ? 1 : 0) + (off(x, h - 1) < 30 ? 1 : 0);
    total += 2;
  }
  for (let y = 0; y < h; y += 2) {
    near += (off(0, y) < 30 ? 1 : 0) + (off(w - 1, y) < 30 ? 1 : 0);
    total += 2;
  }
  if (near < 0.6 * total) return null;
  const tol = 14;
  const state = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const r = y * 3;
    for (let x = 0, i = y * w, j = 4 * y * w; x < w; x++, i++, j += 4) {
      const t = x / (w - 1);
      const dr = data[j]! - (left[r]! + (right[r]! - left[r]!) * t);
      const dg = data[j + 1]! - (left[r + 1]! + (right[r + 1]! - left[r + 1]!) * t);
      const db = data[j + 2]! - (left[r + 2]! + (right[r + 2]! - left[r + 2]!) * t);
      if (dr <= tol && dr >= -tol && dg <= tol && dg >= -tol && db <= tol && db >= -tol) state[i] = 1;
    }
  }
  return floodFromBorder(state, w, h, growPx);
}

/** Colour of column `x` at each row (RGB triples), the median over PROFILE_ROWS rows around it. */
function columnProfile(image: RawImage, x: number): Float32Array {
  const { width: w, height: h, data } = image;
  const out = new Float32Array(3 * h);
  const half = PROFILE_ROWS >> 1;
  const window: number[] = [];
  for (let y = 0; y < h; y++)
    for (let k = 0; k < 3; k++) {
      window.length = 0;
      for (let v = Math.max(0, y - half); v <= Math.min(h - 1, y + half); v++)
        window.push(data[(v * w + x) * 4 + k]!);
      window.sort((p, q) => p - q);
      out[y * 3 + k] = window[window.length >> 1]!;
    }
  return out;
}

/**
 * Pixels marked 1 in `state` that a flood from the image border reaches (4-connected), grown by `growPx`.
 * The flood fills a row's whole run at once and seeds each run above and below it once: a few sequential byte
 * reads per pixel, where a stack entry per pixel cost 3× the time on a megapixel backdrop. `state` is used as
 * the flood's scratch (reached pixels become 2).
 */
function floodFromBorder(state: Uint8Array, w: number, h: number, growPx: number): BackdropMasks {
  // Reached runs, each already grown by growPx along its row: the dilation's row half costs a fill per run.
  const grown = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let x = 0; x < w; x++) stack.push(x, w * (h - 1) + x);
  for (let y = 1; y < h - 1; y++) stack.push(y * w, y * w + w - 1);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (state[i] !== 1) continue;
    const row = i - (i % w);
    let l = i;
    while (l > row && state[l - 1] === 1) l--;
    let r = i;
    while (r < row + w - 1 && state[r + 1] === 1) r++;
    state.fill(2, l, r + 1);
    grown.fill(1, Math.max(row, l - growPx), Math.min(row + w, r + growPx + 1));
    for (const next of [row - w, row + w]) {
      if (next < 0 || next >= w * h) continue;
      let inRun = false;
      for (let k = l - row; k <= r - row; k++) {
        const on = state[next + k] === 1;
        if (on && !inRun) stack.push(next + k);
        inRun = on;
      }
    }
  }
  const core = new Uint8Array(w * h);
  for (let i = 0; i < core.length; i++) core[i] = state[i] === 2 ? 1 : 0;
  return { core, grown: dilateColumns(grown, w, h, growPx) };
}

/** Every second pixel of the image's border, per channel, and their median colour. */
function borderSamples(image: RawImage): { border: number[][]; median: [number, number, number] } {
  const { width: w, height: h, data } = image;
  const border: number[][] = [[], [], []];
  const push = (x: number, y: number) => {
    const j = (y * w + x) * 4;
    for (let k = 0; k < 3; k++) border[k]!.push(data[j + k]!);
  };
  for (let x = 0; x < w; x += 2) {
    push(x, 0);
    push(x, h - 1);
  }
  for (let y = 0; y < h; y += 2) {
    push(0, y);
    push(w - 1, y);
  }
  const med = border.map((c) => [...c].sort((p, q) => p - q)[c.length >> 1]!);
  return { border, median: [med[0]!, med[1]!, med[2]!] };
}

/** Median colour of the image's border (the studio sweep where `plainBackground` found one). */
export function borderColour(image: RawImage): [number, number, number] {
  return borderSamples(image).median;
}
