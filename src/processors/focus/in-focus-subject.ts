/**
 * The in-focus part of a salient region. A product is photographed in focus; a scene behind it often is not.
 * When the salient-object model takes a blurred scene object (statues, a boat) together with the product, the
 * two differ in focus: the product's edges are sharp, the scene object's texture and outline are blurred.
 *
 * The region is cut into superpixels; each votes by the blur of the edges strictly inside it (edge-blur.ts),
 * superpixels with no say take the side of their most similar-coloured decided neighbour, and the blurred
 * side is dropped only if the evidence is physical: its own outline against the rest of the photo is far
 * more blurred than the kept part's, and the kept part's is sharp. Smooth shading on a rendered product
 * (blurred "edges" inside a sharp outline) is thus left alone.
 *
 * Not handled: a product shot with a shallow depth of field whose far part is soft, outline included (a
 * shoe's heel behind a sharp toe), would lose that part. None of the photos we have is such a shot, so no
 * guard against it is tuned yet; an occluding-edge test along the cut (tried) also rejected the T-shirt over
 * the statues, whose outline there is dark on dark.
 */
import { labelMask, nonzeroBox } from '../connected-components.js';
import { downsampleRgb } from '../matting/downsample.js';
import { dilate, erode } from '../watermark/raster.js';
import { edgeBlur } from './edge-blur.js';
import { MinQueue } from './min-queue.js';
import { type Superpixels, slic } from './superpixels.js';

export const FOCUS = {
  /**
   * Edge blur σ (px, measuring blur included) at or below which an edge is in focus … (on product-composites
   * the products' own edges measure 0.6–0.84 in the median, the blurred scenes' objects 1.2–1.7)
   */
  sharpSigma: 0.9,
  /** … and at or above which it is out of focus; between both it has no say. */
  blurredSigma: 1.1,
  /** Superpixel grid step, px at the working resolution. */
  superpixelStep: 28,
  /** Superpixels are computed at half resolution when the region's box is longer than this, px. */
  halveSuperpixelsAbove: 800,
  /** Edges of one kind a superpixel needs, and their lead over the other kind (×), to be decided. */
  minVotes: 3,
  lead: 2,
  /** Out-of-focus superpixels needed, in number and as a share of the decided ones, before anything splits. */
  minBlurred: 8,
  minBlurredShare: 0.2,
  /** Cheap pre-check: share of the region's edge pixels that are blurred, below which superpixels are skipped. */
  minBlurredEdgeShare: 0.2,
  /** Share of the in-focus superpixels' pixels a kept piece must hold (several pieces: a set of products). */
  minPieceVote: 0.1,
  /** Half-width (px) of the band along the region's outline whose edges are the outline's. */
  outlineBand: 3,
  /** The kept part's outline must be this many times more often sharp than blurred … */
  outlineLead: 2,
  /**
   * … and the dropped part's outline blurred in a share of its edges this much larger than the kept part's (a
   * white hull against water reads sharp in places; the scene object is still far softer than the product).
   */
  outlineBlurLead: 0.25,
} as const;

export interface InFocusPart {
  /** 1 where the pixel belongs to the in-focus part of the region, width×height. */
  readonly keep: Uint8Array;
  /** Share of the region's pixels dropped as out of focus. */
  readonly droppedShare: number;
}

/**
 * `rgb` is interleaved 8-bit RGB and `region` 1 inside the salient region, both width×height. Null when the
 * region is not a sharp subject joined to a blurred scene object (the usual case: nothing to split).
 */
export function inFocusPart(
  rgb: Uint8Array,
  region: Uint8Array,
  width: number,
  height: number,
): InFocusPart | null {
  // Everything is decided around the region only, with a superpixel's worth of its surroundings.
  const box = nonzeroBox(region, width, height, FOCUS.superpixelStep);
  if (!box) return null;
  const cw = box.x1 - box.x0;
  const ch = box.y1 - box.y0;
  const cropRgb = new Uint8Array(cw * ch * 3);
  const cropRegion = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    const from = (y + box.y0) * width + box.x0;
    cropRgb.set(rgb.subarray(from * 3, (from + cw) * 3), y * cw * 3);
    cropRegion.set(region.subarray(from, from + cw), y * cw);
  }
  const part = splitRegion(cropRgb, cropRegion, cw, ch);
  if (!part) return null;
  const keep = new Uint8Array(width * height);
  for (let y = 0; y < ch; y++)
    keep.set(part.keep.subarray(y * cw, (y + 1) * cw), (y + box.y0) * width + box.x0);
  return { keep, droppedShare: part.droppedShare };
}

function splitRegion(rgb: Uint8Array, region: Uint8Array, width: number, height: number): InFocusPart | null {
  const n = width * height;
  const grey = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) grey[i] = (rgb[p]! + rgb[p + 1]! + rgb[p + 2]!) / 3;
  const { sigma, edge } = edgeBlur(grey, width, height);
  const kind = new Int8Array(n); // 1 sharp edge, −1 blurred edge, 0 neither
  let sharpInside = 0;
  let blurredInside = 0;
  for (let i = 0; i < n; i++) {
    if (!edge[i]) continue;
    kind[i] = sigma[i]! <= FOCUS.sharpSigma ? 1 : sigma[i]! >= FOCUS.blurredSigma ? -1 : 0;
    if (region[i]) {
      if (kind[i] === 1) sharpInside++;
      else if (kind[i] === -1) blurredInside++;
    }
  }
  if (blurredInside < FOCUS.minBlurredEdgeShare * (sharpInside + blurredInside)) return null;

  const { labels, count } = superpixelsOf(rgb, width, height);
  const votes = superpixelVotes(labels, count, kind, region, width, height);
  // 1 in focus, −1 out of focus, 0 undecided, 2 mostly outside the region (its region pixels: a fringe).
  const state = new Int8Array(count);
  let sharp = 0;
  let blurred = 0;
  for (let s = 0; s < count; s++) {
    if (votes.inside[s]! * 2 <= votes.area[s]!) state[s] = 2;
    else if (votes.sharp[s]! >= FOCUS.minVotes && votes.sharp[s]! >= FOCUS.lead * votes.blurred[s]!) {
      state[s] = 1;
      sharp++;
    } else if (votes.blurred[s]! >= FOCUS.minVotes && votes.blurred[s]! >= FOCUS.lead * votes.sharp[s]!) {
      state[s] = -1;
      blurred++;
    }
  }
  if (blurred < FOCUS.minBlurred || blurred < FOCUS.minBlurredShare * (sharp + blurred)) return null;
  const neighbours = adjacency(labels, count, width, height);
  const voted = state.slice();
  growDecisions(state, neighbours, labels, count, rgb);
  settleFringes(state, neighbours);

  // Superpixels no decision reached stay for now: the model called them salient.
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = region[i] && state[labels[i]!] !== -1 ? 1 : 0;
  // A kept piece that holds little of the in-focus vote (a statue's lit edge) is a scrap of the scene object.
  const pieces = labelMask(width, height, keep);
  const vouched = new Float64Array(pieces.count + 1);
  let allVouched = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] && voted[labels[i]!] === 1) {
      vouched[pieces.labels[i]!]!++;
      allVouched++;
    }
  }
  let inRegion = 0;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if (!region[i]) continue;
    inRegion++;
    if (keep[i] && vouched[pieces.labels[i]!]! < FOCUS.minPieceVote * allVouched) keep[i] = 0;
    if (!keep[i]) dropped++;
  }
  if (!outlinesAgree(region, keep, kind, width, height)) return null;
  return { keep, droppedShare: inRegion > 0 ? dropped / inRegion : 0 };
}

/**
 * SLIC superpixels at the working resolution, computed at half of it on large pictures (SLIC's cost is most
 * of the split's; its regions, scaled back, still follow the colour edges to within a pixel or two).
 */
function superpixelsOf(rgb: Uint8Array, width: number, height: number): Superpixels {
  if (Math.max(width, height) <= FOCUS.halveSuperpixelsAbove)
    return slic(rgb, width, height, { step: FOCUS.superpixelStep });
  const hw = width >> 1;
  const hh = height >> 1;
  const half = downsampleRgb(rgb, width, height, 3, hw, hh, { left: 0, top: 0, width: hw, height: hh });
  const small = slic(half, hw, hh, { step: FOCUS.superpixelStep / 2 });
  const labels = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(hh - 1, y >> 1) * hw;
    for (let x = 0; x < width; x++) labels[y * width + x] = small.labels[sy + Math.min(hw - 1, x >> 1)]!;
  }
  return { labels, count: small.count };
}

/**
 * Superpixels mostly outside the region hold its outermost pixels: those stay with the product if they
 * touch an in-focus superpixel, and go with the scene object if they touch only out-of-focus ones.
 */
function settleFringes(state: Int8Array, neighbours: number[][]): void {
  const fringes: number[] = [];
  for (let s = 0; s < state.length; s++) {
    if (state[s] !== 2) continue;
    const touches = neighbours[s]!.map((t) => state[t]);
    if (!touches.includes(1) && touches.includes(-1)) fringes.push(s);
  }
  for (const s of fringes) state[s] = -1;
}

interface Votes {
  readonly area: Int32Array;
  readonly inside: Int32Array;
  readonly sharp: Int32Array;
  readonly blurred: Int32Array;
}

/** Per superpixel: its area, its pixels in the region, and its sharp and blurred edges off its own border. */
function superpixelVotes(
  labels: Int32Array,
  count: number,
  kind: Int8Array,
  region: Uint8Array,
  width: number,
  height: number,
): Votes {
  const votes = {
    area: new Int32Array(count),
    inside: new Int32Array(count),
    sharp: new Int32Array(count),
    blurred: new Int32Array(count),
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const s = labels[i]!;
      votes.area[s]!++;
      if (region[i]) votes.inside[s]!++;
      if (kind[i] === 0) continue;
      // An edge on a superpixel's border is the border between two things, not the texture of either.
      const interior =
        (x === 0 || labels[i - 1] === s) &&
        (x === width - 1 || labels[i + 1] === s) &&
        (y === 0 || labels[i - width] === s) &&
        (y === height - 1 || labels[i + width] === s);
      if (!interior) continue;
      if (kind[i] === 1) votes.sharp[s]!++;
      else votes.blurred[s]!++;
    }
  }
  return votes;
}

/** Each superpixel's 4-adjacent superpixels. */
function adjacency(labels: Int32Array, count: number, width: number, height: number): number[][] {
  const pairs = new Set<number>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = labels[i]!;
      const right = x + 1 < width ? labels[i + 1]! : a;
      const below = y + 1 < height ? labels[i + width]! : a;
      if (right !== a) pairs.add(Math.min(a, right) * count + Math.max(a, right));
      if (below !== a) pairs.add(Math.min(a, below) * count + Math.max(a, below));
    }
  }
  const neighbours: number[][] = Array.from({ length: count }, () => []);
  for (const key of pairs) {
    const a = Math.floor(key / count);
    const b = key % count;
    neighbours[a]!.push(b);
    neighbours[b]!.push(a);
  }
  return neighbours;
}

/**
 * Undecided superpixels of the region take a decision by seeded region growing (Adams & Bischof 1994): the
 * undecided superpixel closest in mean colour to a decided neighbour is settled first, so a flat part of the
 * product (no edges to vote) joins the product it continues, not whichever side happens to touch it.
 */
function growDecisions(
  state: Int8Array,
  neighbours: number[][],
  labels: Int32Array,
  count: number,
  rgb: Uint8Array,
): void {
  const sums = new Float64Array(count * 4);
  for (let i = 0, p = 0; i < labels.length; i++, p += 3) {
    const s = labels[i]! * 4;
    sums[s]! += rgb[p]!;
    sums[s + 1]! += rgb[p + 1]!;
    sums[s + 2]! += rgb[p + 2]!;
    sums[s + 3]! += 1;
  }
  const distance = (a: number, b: number) => {
    let d = 0;
    for (let c = 0; c < 3; c++)
      d += (sums[a * 4 + c]! / sums[a * 4 + 3]! - sums[b * 4 + c]! / sums[b * 4 + 3]!) ** 2;
    return d;
  };
  const queue = new MinQueue();
  const offer = (from: number) => {
    for (const t of neighbours[from]!) if (state[t] === 0) queue.push(distance(from, t), t, from);
  };
  for (let s = 0; s < count; s++) if (state[s] === 1 || state[s] === -1) offer(s);
  for (let next = queue.pop(); next; next = queue.pop()) {
    if (state[next.node] !== 0) continue;
    state[next.node] = state[next.from]!;
    offer(next.node);
  }
}

/**
 * The split is trusted only if the photo's edges along the region's outline agree with it: sharp where the
 * kept part meets the rest of the photo, and far more often blurred where the dropped part does.
 */
function outlinesAgree(
  region: Uint8Array,
  keep: Uint8Array,
  kind: Int8Array,
  width: number,
  height: number,
): boolean {
  const r = FOCUS.outlineBand;
  // The band along the region's outline: near it, inside or out.
  const outer = dilate(region, width, height, r);
  const inner = erode(region, width, height, r);
  const nearKept = dilate(keep, width, height, r);
  let droppedSharp = 0;
  let droppedBlurred = 0;
  let keptSharp = 0;
  let keptBlurred = 0;
  for (let i = 0; i < region.length; i++) {
    if (!outer[i] || inner[i] || kind[i] === 0) continue;
    const sharp = kind[i] === 1;
    if (nearKept[i]) {
      if (sharp) keptSharp++;
      else keptBlurred++;
    } else if (sharp) droppedSharp++;
    else droppedBlurred++;
  }
  if (droppedBlurred === 0 || keptSharp === 0 || keptSharp < FOCUS.outlineLead * keptBlurred) return false;
  const blurredShare = (blurred: number, sharp: number) => blurred / (blurred + sharp);
  return (
    blurredShare(droppedBlurred, droppedSharp) >= blurredShare(keptBlurred, keptSharp) + FOCUS.outlineBlurLead
  );
}
