/**
 * A coloured mark lying wholly on the plain backdrop, with everything of it the detector did not see: a
 * stamp's icon above its caption, a line of small print. On the backdrop no product can be hidden, so the
 * restoration is the backdrop itself, whatever the mark's opacity per pixel (a logo's own alpha varies across
 * it, and thin coloured letters keep JPEG's smeared chroma off any single blend). The pieces are the parts
 * near the mark that differ from the backdrop in the mark's own hue and are surrounded by it, but for their own
 * counters (so no part of the product, which meets the frame or the rest of the product somewhere).
 */
import { type Box, grownBox, labelComponents, neighbours, unionBox } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { cropPlanes, type RegionAnalysis } from './analyse-region.js';
import { isNeutral } from './classify-overlay.js';
import { fillUnder, type Planes } from './estimate-alpha.js';
import { dilate } from './raster.js';

/** How far around the mark its other pieces are looked for, in text heights (a stamp's icon sits above it). */
const REACH_TEXT_HEIGHTS = 8;
/** Levels (largest channel) by which a pixel differs from the backdrop to be part of a piece. */
const DEVIATION = 10;
/** Cosine between a piece's mean deviation and the mark's (colour − backdrop) for the same hue. */
const SAME_HUE = 0.95;
/** Share of a piece's ring on the backdrop's flood (the rest: its letters' counters). */
const RING_ON_BACKDROP = 0.8;
/** Rim around the pieces filled too: anti-aliasing and JPEG ringing, within the backdrop. */
const RIM_PX = 2;
/** Window radius of the fill from the backdrop around the pieces, pixels. */
const FILL_RADIUS = 4;

export interface FloatingMark {
  readonly box: Box;
  /** 1 where the backdrop is restored, over `box`. */
  readonly mask: Uint8Array;
  /** The backdrop under the mask, over `box`. */
  readonly fill: Planes;
  readonly pieces: number;
}

/**
 * The pieces of the coloured marks `found` (each wholly on the backdrop) and the backdrop to put in their
 * place; null for a neutral mark (grey pieces beside it could be the product's shadow or a part of it).
 */
export function floatingMark(
  image: RawImage,
  plain: Uint8Array,
  found: readonly RegionAnalysis[],
  textHeight: number,
): FloatingMark | null {
  if (found.length === 0) return null;
  const { alpha, colour } = found[0]!.model;
  if (isNeutral(colour) || alpha <= 0) return null;
  const box = grownBox(
    found.map((a) => a.box).reduce(unionBox),
    Math.round(REACH_TEXT_HEIGHTS * textHeight),
    image.width,
    image.height,
  );
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const pixels = cropPlanes(image, box);
  const onPlain = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) onPlain[y * w + x] = plain[(y + box.y0) * image.width + x + box.x0]!;
  const backdrop = medianOn(pixels, onPlain);
  const hue = colour.map((c, k) => c - backdrop[k]!);
  const deviates = (i: number) =>
    channelGap(pixels[0][i]!, pixels[1][i]!, pixels[2][i]!, backdrop) > DEVIATION;
  const { labels, components } = labelComponents(w, h, deviates);
  const n = components.length;
  const sums = new Float64Array(3 * (n + 1));
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l) for (let k = 0; k < 3; k++) sums[3 * l + k]! += pixels[k]![i]! - backdrop[k]!;
  }
  const grown = dilate(
    Uint8Array.from(labels, (l) => (l ? 1 : 0)),
    w,
    h,
    1,
  );
  // A piece lies on the backdrop when its ring does, but for its own counters (an "o"'s hole, a label inside
  // an icon: ground only it encloses, which the flood from the frame cannot reach); one whose ring runs over
  // the product (print on a white part) is no piece.
  const counterOf = ownCounters(labels, w, h);
  const ring = new Float64Array(n + 1);
  const ringOn = new Float64Array(n + 1);
  for (let i = 0; i < labels.length; i++) {
    if (!grown[i] || labels[i]) continue;
    for (const j of neighbours(i, w, h)) {
      const l = labels[j]!;
      if (!l) continue;
      ring[l]!++;
      if (onPlain[i] || counterOf[i] === l) ringOn[l]!++;
    }
  }
  const keep = new Uint8Array(n + 1);
  let pieces = 0;
  components.forEach((c, index) => {
    const l = index + 1;
    const cut =
      (c.box.x0 === 0 && box.x0 > 0) ||
      (c.box.y0 === 0 && box.y0 > 0) ||
      (c.box.x1 === w && box.x1 < image.width) ||
      (c.box.y1 === h && box.y1 < image.height);
    const mean = [0, 1, 2].map((k) => sums[3 * l + k]! / c.area);
    if (cut || ringOn[l]! < RING_ON_BACKDROP * ring[l]!) return;
    if (cosine(mean, hue) < SAME_HUE) return;
    keep[l] = 1;
    pieces++;
  });
  if (pieces === 0) return null;
  const mask = dilate(
    Uint8Array.from(labels, (l) => keep[l]!),
    w,
    h,
    RIM_PX,
  );
  for (let i = 0; i < mask.length; i++)
    if (!onPlain[i] && !keep[labels[i]!] && !keep[counterOf[i]!]) mask[i] = 0;
  return { box, mask, fill: fillUnder(pixels, mask, w, h, FILL_RADIUS), pieces };
}

/** Largest difference, over the three channels, between a pixel (c0, c1, c2) and a colour. */
export function channelGap(c0: number, c1: number, c2: number, colour: readonly number[]): number {
  return Math.max(Math.abs(c0 - colour[0]!), Math.abs(c1 - colour[1]!), Math.abs(c2 - colour[2]!));
}

/** Writes the backdrop over the floating mark's pixels; returns how many it restored. */
export function fillInto(out: Buffer, image: RawImage, f: FloatingMark): number {
  const w = f.box.x1 - f.box.x0;
  let count = 0;
  for (let i = 0; i < f.mask.length; i++) {
    if (!f.mask[i]) continue;
    const j = ((Math.floor(i / w) + f.box.y0) * image.width + (i % w) + f.box.x0) * 4;
    for (let k = 0; k < 3; k++) out[j + k] = Math.round(f.fill[k]![i]!);
    count++;
  }
  return count;
}

/**
 * For each pixel of ground (label 0) that the box's border cannot reach, the one piece that encloses it alone
 * (its counter), else 0.
 */
function ownCounters(labels: Int32Array, w: number, h: number): Int32Array {
  const ground = labelComponents(w, h, (i) => labels[i] === 0);
  const owner = new Int32Array(ground.count + 1);
  ground.components.forEach((c, index) => {
    if (c.box.x0 === 0 || c.box.y0 === 0 || c.box.x1 === w || c.box.y1 === h) owner[index + 1] = -1;
  });
  for (let i = 0; i < labels.length; i++) {
    const g = ground.labels[i]!;
    if (!g || owner[g] === -1) continue;
    for (const j of neighbours(i, w, h)) {
      const l = labels[j]!;
      if (!l) continue;
      if (owner[g] === 0) owner[g] = l;
      else if (owner[g] !== l) owner[g] = -1;
    }
  }
  return Int32Array.from(ground.labels, (g) => (g && owner[g]! > 0 ? owner[g]! : 0));
}

function medianOn(p: Planes, mask: Uint8Array): [number, number, number] {
  return [0, 1, 2].map((k) => {
    const values: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) values.push(p[k]![i]!);
    values.sort((a, b) => a - b);
    return values[values.length >> 1] ?? 0;
  }) as [number, number, number];
}

function cosine(p: readonly number[], q: readonly number[]): number {
  const dot = p.reduce((s, v, k) => s + v * q[k]!, 0);
  const norm = Math.hypot(...p) * Math.hypot(...q);
  return norm > 0 ? dot / norm : 0;
}
