/**
 * A stamp logo in one strong hue laid over the product: a red "COPYRIGHT" seal half on the studio backdrop,
 * half on a black bag. The text model fits each of its text lines alone against a median background and
 * finds no blend; the stamp as a whole is one blend `marked = α·colour + (1−α)·original` of one ink colour.
 *
 * - **Where**: the pixels whose colour departs from neutral in the hue of the ink read on a text region,
 *   joined into one piece with the text, that is line art (not a solid hued object: a red mug, a SALE tag).
 * - **What**: the opacity and colour from the stroke pixels against the colour around them: where the stamp
 *   crosses from the backdrop onto the product, the same ink over white and over black pins both down (over
 *   one even colour, the most saturated ink the gamut allows, as stamp inks are).
 * - **Whether**: only a stamp that crosses from the backdrop onto the product is taken, where one blend holding
 *   over both is the evidence of an overlay; wholly on the product, a pink seal and pink print look alike.
 * - **How much, per pixel**: the product's colour under the stamp keeps its local hue (shading and texture
 *   change its brightness), so each pixel is `α·colour + β·hue`: two unknowns, three channels, whatever the
 *   product's texture there. The restored pixel is `(marked − α·colour)/(1 − α)`.
 */
import { type Box, boxesOverlap, grownBox, labelMask, unionBox } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { cropPlanes, type Region } from './analyse-region.js';
import { fillUnder, type Planes } from './estimate-alpha.js';
import { channelGap, type FloatingMark } from './floating-mark.js';
import { clamp, countSet, dilate, erode } from './raster.js';

/** Least chroma of a text region's pixels to read the ink's hue from, 8-bit levels. */
const SEED_CHROMA = 30;
/** Least departure along the ink's hue for a pixel to count as the stamp's, 8-bit levels. */
const STROKE_CHROMA = 12;
/** Largest angle off the ink's hue, as tan: a pixel's chroma across the hue over its chroma along it. */
const HUE_TAN = 0.3;
/** Least agreement of a text region's hued pixels on one hue (length of their mean unit chroma vector). */
const HUE_AGREEMENT = 0.85;
/** Largest share of its box a stamp's strokes cover: line art, where a hued object is solid. */
const MAX_FILL = 0.55;
/** Largest share of the image a stamp's box covers. */
const MAX_SHARE = 0.25;
/** Least spread of the colour under the strokes (8-bit levels, RMS) for the regression to pin the opacity. */
const MIN_SPREAD = 25;
/** Opacity range of a see-through stamp: opaque ink is print. */
const MIN_OPACITY = 0.12;
const MAX_OPACITY = 0.8;
/** Largest RMS residual of the blend over the strokes, 8-bit levels. */
const MAX_RESIDUAL = 8;
/**
 * Least share of the strokes over the backdrop, and over the product, for a stamp that crosses onto the
 * product: a seal in a corner may reach only a little way onto a watch strap.
 */
const OVER_BACKDROP = 0.08;
const OVER_PRODUCT = 0.03;
/** Colour around a stroke within this of the backdrop's (any channel) is the backdrop; this far, the product. */
const BACKDROP_LEVELS = 12;
const PRODUCT_LEVELS = 40;
/** A restored pixel over the backdrop this near its colour (any channel) is the backdrop. */
const SNAP_LEVELS = 48;

export interface HuedStamp extends FloatingMark {
  readonly colour: readonly [number, number, number];
  /** The strokes' opacity. */
  readonly opacity: number;
  /** RMS of the blend's residual over the strokes, 8-bit levels. */
  readonly residual: number;
  /** 0–1, from how well the one blend explains the strokes. */
  readonly confidence: number;
}

/**
 * Hued stamps over the product where the detector read text: those that cross from the plain backdrop
 * (`backdrop`, the frame's flood) onto the product, where the same blend over both is the evidence.
 * `taken` are boxes of marks already found, left to their own restoration.
 */
export function huedStamps(
  image: RawImage,
  regions: readonly Region[],
  backdrop: readonly [number, number, number],
  taken: readonly Box[],
): HuedStamp[] {
  const found: HuedStamp[] = [];
  const hues: [number, number][] = [];
  for (const r of regions) {
    if (taken.some((b) => boxesOverlap(b, r.box)) || found.some((s) => boxesOverlap(s.box, r.box))) continue;
    const hue = inkHue(image, r);
    if (!hue) continue;
    if (hues.some((q) => q[0] * hue[0] + q[1] * hue[1] > 0.97)) continue;
    const stamp = stampOf(image, r, hue, backdrop);
    hues.push(hue);
    if (stamp) found.push(stamp);
  }
  return found;
}

/** Chroma of a colour as a 2-D vector (red along x). */
const chromaX = (r: number, g: number, b: number) => r - 0.5 * (g + b);
const chromaY = (g: number, b: number) => 0.8660254 * (g - b);

/** The hue the region's strongly coloured pixels agree on, as a unit chroma vector, or null. */
function inkHue(image: RawImage, r: Region): [number, number] | null {
  const { data, width } = image;
  const rw = r.box.x1 - r.box.x0;
  let sx = 0;
  let sy = 0;
  let n = 0;
  let all = 0;
  for (let y = r.box.y0; y < r.box.y1; y++)
    for (let x = r.box.x0; x < r.box.x1; x++) {
      if (!r.mask[(y - r.box.y0) * rw + x - r.box.x0]) continue;
      all++;
      const j = (y * width + x) * 4;
      const cx = chromaX(data[j]!, data[j + 1]!, data[j + 2]!);
      const cy = chromaY(data[j + 1]!, data[j + 2]!);
      const c = Math.hypot(cx, cy);
      if (c < SEED_CHROMA) continue;
      sx += cx / c;
      sy += cy / c;
      n++;
    }
  if (n < Math.max(30, 0.05 * all)) return null;
  const agreement = Math.hypot(sx, sy) / n;
  return agreement >= HUE_AGREEMENT ? [sx / n / agreement, sy / n / agreement] : null;
}

/** 1 over `box` where a pixel departs from neutral along `hue` by `level` or more, within the angle allowed. */
function huedMask(image: RawImage, box: Box, hue: readonly [number, number], level: number): Uint8Array {
  const { data } = image;
  const bw = box.x1 - box.x0;
  const mask = new Uint8Array(bw * (box.y1 - box.y0));
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0, i = (y - box.y0) * bw, j = (y * image.width + x) * 4; x < box.x1; x++, i++, j += 4) {
      const cx = chromaX(data[j]!, data[j + 1]!, data[j + 2]!);
      const cy = chromaY(data[j + 1]!, data[j + 2]!);
      const along = cx * hue[0] + cy * hue[1];
      if (along >= level && Math.abs(cx * hue[1] - cy * hue[0]) <= HUE_TAN * along) mask[i] = 1;
    }
  return mask;
}

function stampOf(
  image: RawImage,
  r: Region,
  hue: readonly [number, number],
  backdrop: readonly [number, number, number],
): HuedStamp | null {
  const { width: w, height: h } = image;
  const short = Math.min(w, h);
  // A stamp spans at most half the short side: it lies within that of its text, in this window.
  const win = grownBox(r.box, Math.round(0.5 * short), w, h);
  const ww = win.x1 - win.x0;
  const wh = win.y1 - win.y0;
  const hued = huedMask(image, win, hue, STROKE_CHROMA);
  // Line art: the ring, the lettering and the stars of a seal lie a few pixels apart.
  const join = Math.max(2, Math.round(0.008 * short));
  const { labels, components } = labelMask(ww, wh, dilate(hued, ww, wh, join));
  const rw = r.box.x1 - r.box.x0;
  const counts = new Map<number, number>();
  for (let y = r.box.y0; y < r.box.y1; y++)
    for (let x = r.box.x0; x < r.box.x1; x++) {
      const i = (y - win.y0) * ww + x - win.x0;
      if (!r.mask[(y - r.box.y0) * rw + x - r.box.x0] || !hued[i]) continue;
      counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
    }
  let best = 0;
  let bestCount = 0;
  for (const [l, c] of counts) if (l > 0 && c > bestCount) [best, bestCount] = [l, c];
  if (!best) return null;
  // The stamp's other pieces lie near by: a logo's caption lines under its icon, further apart than its strokes.
  const member = new Uint8Array(components.length + 1);
  member[best] = 1;
  let piece = components[best - 1]!.box;
  for (let grew = true; grew; ) {
    grew = false;
    components.forEach((c, k) => {
      if (member[k + 1] || !boxesOverlap(c.box, piece, 2 * join)) return;
      member[k + 1] = 1;
      piece = unionBox(piece, c.box);
      grew = true;
    });
  }
  // Reaching the window's edge inside the image, it is larger than a stamp: the product's own colour.
  const reaches =
    (piece.x0 === 0 && win.x0 > 0) ||
    (piece.y0 === 0 && win.y0 > 0) ||
    (piece.x1 === ww && win.x1 < w) ||
    (piece.y1 === wh && win.y1 < h);
  const pieceArea = (piece.x1 - piece.x0) * (piece.y1 - piece.y0);
  if (reaches || pieceArea > MAX_SHARE * w * h) return null;
  const inWin = grownBox(piece, join + 4, ww, wh);
  const box = { x0: inWin.x0 + win.x0, y0: inWin.y0 + win.y0, x1: inWin.x1 + win.x0, y1: inWin.y1 + win.y0 };
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  // The strokes over the box, and the looser set of pixels touched by the stamp at all (its faint rims).
  const strokes = new Uint8Array(bw * bh);
  const loose = huedMask(image, box, hue, 0.5 * STROKE_CHROMA);
  const touched = new Uint8Array(bw * bh);
  let strokeCount = 0;
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) {
      const i = (y + inWin.y0) * ww + x + inWin.x0;
      const o = y * bw + x;
      if (!member[labels[i]!]) continue;
      if (loose[o]) touched[o] = 1;
      if (hued[i]) {
        strokes[o] = 1;
        strokeCount++;
      }
    }
  if (strokeCount < 200 || strokeCount > MAX_FILL * pieceArea) return null;
  const m = cropPlanes(image, box);
  const near = dilate(touched, bw, bh, 2);
  const under = fillUnder(m, dilate(touched, bw, bh, 3), bw, bh, Math.max(4, join));
  let inner = erode(strokes, bw, bh, 1);
  if (countSet(inner) < 100) inner = strokes;
  // Which strokes lie over the backdrop, which over the product: the colour around them says.
  const overBackdrop = new Uint8Array(bw * bh);
  let on = 0;
  let off = 0;
  let n = 0;
  for (let i = 0; i < near.length; i++) {
    if (!near[i]) continue;
    const d = channelGap(under[0][i]!, under[1][i]!, under[2][i]!, backdrop);
    if (d <= BACKDROP_LEVELS) overBackdrop[i] = 1;
    if (!inner[i]) continue;
    n++;
    if (d <= BACKDROP_LEVELS) on++;
    else if (d >= PRODUCT_LEVELS) off++;
  }
  // Evidence: the stamp crosses from the backdrop onto the product and one blend holds over both.
  if (on < OVER_BACKDROP * n || off < OVER_PRODUCT * n) return null;
  const fit = fitBlend(m, under, inner);
  if (!fit || fit.opacity < MIN_OPACITY || fit.opacity > MAX_OPACITY) return null;
  const { alpha, residual } = pixelAlpha(m, under, near, inner, overBackdrop, fit.colour, fit.opacity);
  if (residual > MAX_RESIDUAL) return null;
  // The blend is inverted; over the backdrop, what comes out near the backdrop's colour is the backdrop (the
  // stamp's rims, JPEG ringing), where thin parts of the product come out dark and stay.
  const fill: Planes = [new Float32Array(bw * bh), new Float32Array(bw * bh), new Float32Array(bw * bh)];
  const mask = new Uint8Array(bw * bh);
  const v = [0, 0, 0];
  for (let i = 0; i < near.length; i++) {
    if (!near[i]) continue;
    const a = alpha[i]!;
    for (let k = 0; k < 3; k++) v[k] = (m[k]![i]! - a * fit.colour[k]!) / (1 - a);
    const snap = overBackdrop[i] === 1 && channelGap(v[0]!, v[1]!, v[2]!, backdrop) <= SNAP_LEVELS;
    if (a <= 0 && !snap) continue;
    mask[i] = 1;
    for (let k = 0; k < 3; k++) fill[k]![i] = snap ? backdrop[k]! : clamp(v[k]!, 0, 255);
  }
  return {
    box,
    mask,
    fill,
    pieces: 1,
    colour: fit.colour,
    opacity: fit.opacity,
    residual,
    confidence: 0.9 - (0.4 * residual) / MAX_RESIDUAL,
  };
}

interface BlendFit {
  readonly opacity: number;
  readonly colour: [number, number, number];
}

/**
 * One opacity and colour for all the strokes: `marked = (1 − A)·under + A·colour` fitted over their pixels
 * (a pooled regression of the marked colour on the colour around it), once more without the quarter that
 * fits worst (rims, JPEG ringing).
 */
function fitBlend(m: Planes, under: Planes, strokes: Uint8Array): BlendFit | null {
  const [m0, m1, m2] = m;
  const [u0, u1, u2] = under;
  let idx = new Int32Array(countSet(strokes));
  for (let i = 0, n = 0; i < strokes.length; i++) if (strokes[i]) idx[n++] = i;
  let fit: BlendFit | null = null;
  for (let pass = 0; pass < 2 && idx.length >= 50; pass++) {
    const len = idx.length;
    const mb = [0, 0, 0];
    const bb = [0, 0, 0];
    for (let n = 0; n < len; n++) {
      const i = idx[n]!;
      mb[0]! += m0[i]!;
      mb[1]! += m1[i]!;
      mb[2]! += m2[i]!;
      bb[0]! += u0[i]!;
      bb[1]! += u1[i]!;
      bb[2]! += u2[i]!;
    }
    for (let k = 0; k < 3; k++) {
      mb[k]! /= len;
      bb[k]! /= len;
    }
    let sxy = 0;
    let sxx = 0;
    for (let n = 0; n < len; n++) {
      const i = idx[n]!;
      const d0 = u0[i]! - bb[0]!;
      const d1 = u1[i]! - bb[1]!;
      const d2 = u2[i]! - bb[2]!;
      sxy += (m0[i]! - mb[0]!) * d0 + (m1[i]! - mb[1]!) * d1 + (m2[i]! - mb[2]!) * d2;
      sxx += d0 * d0 + d1 * d1 + d2 * d2;
    }
    const spread = Math.sqrt(sxx / (3 * len));
    // Over too even a colour the slope is not pinned down: the ink is taken as saturated as the gamut allows
    // (the least opacity that explains the departure from the colour under it), as stamp inks are.
    const keep = spread >= MIN_SPREAD ? Math.min(1, Math.max(0, sxy / sxx)) : 1 - leastOpacity(mb, bb);
    const opacity = 1 - keep;
    const [d0, d1, d2] = mb.map((v, k) => v - keep * bb[k]!) as [number, number, number];
    const colour = [d0, d1, d2].map((v) => (opacity > 0 ? v / opacity : 0)) as [number, number, number];
    const errors = new Float64Array(len);
    for (let n = 0; n < len; n++) {
      const i = idx[n]!;
      const e0 = m0[i]! - keep * u0[i]! - d0;
      const e1 = m1[i]! - keep * u1[i]! - d1;
      const e2 = m2[i]! - keep * u2[i]! - d2;
      errors[n] = (e0 * e0 + e1 * e1 + e2 * e2) / 3;
    }
    fit = { opacity, colour };
    const cut = errors.slice().sort()[Math.ceil(0.75 * len) - 1]!;
    idx = idx.filter((_, n) => errors[n]! <= cut);
  }
  return fit;
}

/** The least opacity at which `mean` is a blend over `under` of a colour within the gamut. */
function leastOpacity(mean: readonly number[], under: readonly number[]): number {
  let a = 0;
  for (let k = 0; k < 3; k++) {
    const d = mean[k]! - under[k]!;
    const room = d > 0 ? 255 - under[k]! : under[k]!;
    if (room > 0) a = Math.max(a, Math.abs(d) / room);
  }
  return a;
}

/** An opacity below 0.03 is noise; above `top`, more than the strokes' own. */
const clampAlpha = (a: number, top: number) => (a < 0.03 ? 0 : Math.min(a, top));

/**
 * Per-pixel opacity: each pixel as `α·colour + β·u`, u the hue of the colour around it (the product's own,
 * whose brightness the texture changes), solved for α and β by least squares; where the ink's colour and the
 * product's hue are too alike to tell apart, the projection on the ink's departure from the colour around it.
 */
function pixelAlpha(
  m: Planes,
  under: Planes,
  near: Uint8Array,
  strokes: Uint8Array,
  overBackdrop: Uint8Array,
  colour: readonly [number, number, number],
  opacity: number,
): { alpha: Float32Array; residual: number } {
  const alpha = new Float32Array(near.length);
  const [c0, c1, c2] = colour;
  const cc = c0 * c0 + c1 * c1 + c2 * c2;
  const top = Math.min(0.9, 1.1 * opacity);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < near.length; i++) {
    if (!near[i]) continue;
    const u0 = under[0][i]!;
    const u1 = under[1][i]!;
    const u2 = under[2][i]!;
    const uu = u0 * u0 + u1 * u1 + u2 * u2;
    const m0 = m[0][i]!;
    const m1 = m[1][i]!;
    const m2 = m[2][i]!;
    const cu = c0 * u0 + c1 * u1 + c2 * u2;
    const det = cc * uu - cu * cu;
    const byHue = uu > 100 && det > 0.02 * cc * uu;
    const d0 = c0 - u0;
    const d1 = c1 - u1;
    const d2 = c2 - u2;
    const dd = d0 * d0 + d1 * d1 + d2 * d2;
    // Over the backdrop the colour under the stamp is known: the projection on the ink's departure from it
    // (with the brightness left free, thin letters' JPEG-smeared chroma reads as too much ink and comes out dark).
    const projected = dd > 0 ? ((m0 - u0) * d0 + (m1 - u1) * d1 + (m2 - u2) * d2) / dd : 0;
    const hued = byHue ? (uu * (c0 * m0 + c1 * m1 + c2 * m2) - cu * (u0 * m0 + u1 * m1 + u2 * m2)) / det : 0;
    const a = clampAlpha(byHue ? hued : projected, top);
    alpha[i] = overBackdrop[i] ? clampAlpha(projected, top) : a;
    if (!strokes[i]) continue;
    // What the blend leaves unexplained: with the product's brightness free along its hue, or the colour around.
    const r0 = m0 - a * c0;
    const r1 = m1 - a * c1;
    const r2 = m2 - a * c2;
    const b = byHue ? Math.max(0, (u0 * r0 + u1 * r1 + u2 * r2) / uu) : 1 - a;
    const e0 = r0 - b * u0;
    const e1 = r1 - b * u1;
    const e2 = r2 - b * u2;
    sum += (e0 * e0 + e1 * e1 + e2 * e2) / 3;
    n++;
  }
  return { alpha, residual: n > 0 ? Math.sqrt(sum / n) : 0 };
}
