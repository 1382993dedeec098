/**
 * A stamp logo laid on the plain backdrop, apart from the product: a red "COPYRIGHT" seal in a corner of a
 * studio shot. No single blend explains it (a ring in one colour, lettering in another, each at the logo's own
 * alpha), so the blend-based verdict calls it "does not fit"; but where it lies wholly on the backdrop there is
 * nothing under it to recover, and the restoration is the backdrop.
 *
 * What tells it from a second product beside the first, when the detector reads text on it:
 * - it is an island: pixels off the backdrop that the frame's flood went round, touching neither the frame nor
 *   the largest island (the product);
 * - it is pale: a mark laid at opacity α over the backdrop keeps (1 − α) of the backdrop in every channel, so
 *   even its darkest pixels stay light, where any object has dark edges, shading or print;
 * - it is hued, as `floating-mark.ts` asks: grey islands could be the product's shadow or a part of it.
 */
import { type Box, boxesOverlap, grownBox, labelMask, unionBox } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { cropPlanes, type Region } from './analyse-region.js';
import type { BackdropMasks } from './classify-overlay.js';
import { fillUnder } from './estimate-alpha.js';
import type { FloatingMark } from './floating-mark.js';
import { dilate } from './raster.js';

/**
 * Darkest a stamp's pixels get, as a share of the backdrop (per channel, 2nd percentile): what stays of the
 * backdrop under a mark of opacity 0.7. Supplier stamps sit at 0.3–0.6.
 */
const PALE = 0.3;
/** Darkest channel of a backdrop light enough for paleness to mean anything (white and light grey sweeps). */
const LIGHT_BACKDROP = 180;
/** Least spread between the channels of an island's mean departure from the backdrop, as a share of its size. */
const HUED = 0.35;
/** Largest share of the image a stamp island covers (a logo at up to half the short side, and its rim). */
const MAX_SHARE = 0.2;
/** Share of a text region's off-backdrop pixels that must lie on the island. */
const ON_ISLAND = 0.5;
/** Rim around the island filled too (anti-aliasing, JPEG ringing), within the backdrop. */
const RIM_PX = 2;
/** Least window radius of the fill from the backdrop around the island, pixels. */
const FILL_RADIUS = 4;

/**
 * Stamps on the backdrop where the detector read text: the island each lies on, filled from the backdrop
 * around it. `plain` is the plain backdrop (`plainBackdrop`): grown, and as the frame's flood reached it.
 */
export function stampsAfloat(
  image: RawImage,
  plain: BackdropMasks,
  regions: readonly Region[],
  backdrop: readonly [number, number, number],
): FloatingMark[] {
  const { width: w, height: h, data } = image;
  // Paleness tells a mark from an object only over a light backdrop: over a dark one a mark is as dark as its
  // colour times its opacity.
  if (Math.min(...backdrop) < LIGHT_BACKDROP) return [];
  // Text on a stamp lies on pale, hued pixels. Labelling the islands is a pass over the whole image (20-odd ms
  // on a megapixel): paid only where some text region's own pixels off the backdrop pass that test.
  const candidates = regions.filter((r) => {
    const rw = r.box.x1 - r.box.x0;
    const inRegion = (i: number, x: number, y: number) =>
      r.mask[(y - r.box.y0) * rw + x - r.box.x0] === 1 && !plain.grown[i];
    return paleAndHued(data, w, r.box, inRegion, backdrop);
  });
  if (candidates.length === 0) return [];
  const { core } = plain;
  const off = new Uint8Array(w * h);
  for (let i = 0; i < off.length; i++) off[i] = core[i] ? 0 : 1;
  const { labels, components } = labelMask(w, h, off);
  if (components.length < 2) return [];
  let product = 0;
  components.forEach((c, k) => {
    if (c.area > components[product]!.area) product = k;
  });
  const chosen = new Set<number>();
  for (const r of candidates) {
    const counts = new Map<number, number>();
    let offPixels = 0;
    const rw = r.box.x1 - r.box.x0;
    for (let y = r.box.y0; y < r.box.y1; y++)
      for (let x = r.box.x0; x < r.box.x1; x++) {
        if (!r.mask[(y - r.box.y0) * rw + x - r.box.x0]) continue;
        const l = labels[y * w + x]!;
        if (!l) continue;
        offPixels++;
        counts.set(l, (counts.get(l) ?? 0) + 1);
      }
    const [label, count] = [...counts].reduce((best, e) => (e[1] > best[1] ? e : best), [0, 0]);
    if (label > 0 && count >= ON_ISLAND * offPixels) chosen.add(label - 1);
  }
  // A seal's own white (a ring inside its rim, the gaps between its letters) may open onto the backdrop and
  // split it into islands: those whose boxes meet are one stamp.
  const free = (k: number) => {
    const c = components[k]!;
    return k !== product && !(c.box.x0 === 0 || c.box.y0 === 0 || c.box.x1 === w || c.box.y1 === h);
  };
  const stamps: FloatingMark[] = [];
  const used = new Set<number>();
  for (const k of chosen) {
    if (used.has(k) || !free(k)) continue;
    const group = [k];
    let box = components[k]!.box;
    for (let grew = true; grew; ) {
      grew = false;
      const reach = grownBox(box, RIM_PX, w, h);
      components.forEach((c, j) => {
        if (group.includes(j) || !free(j) || !boxesOverlap(reach, c.box)) return;
        group.push(j);
        box = unionBox(box, c.box);
        grew = true;
      });
    }
    for (const j of group) used.add(j);
    const area = group.reduce((n, j) => n + components[j]!.area, 0);
    if (area > MAX_SHARE * w * h) continue;
    const members = new Uint8Array(components.length + 1);
    for (const j of group) members[j + 1] = 1;
    if (!paleAndHued(data, w, box, (i) => members[labels[i]!] === 1, backdrop)) continue;
    stamps.push({ ...fillIslands(image, core, labels, members, box, backdrop), pieces: group.length });
  }
  return stamps;
}

/** Whether the pixels of `box` that `include` picks keep PALE of the backdrop in their darkest, and depart from it in a hue. */
function paleAndHued(
  data: Buffer,
  w: number,
  box: Box,
  include: (i: number, x: number, y: number) => boolean,
  backdrop: readonly [number, number, number],
): boolean {
  // Per-channel histograms: the 2nd percentile without sorting (regions run to tens of thousands of pixels).
  const hist = new Int32Array(3 * 256);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * w + x;
      if (!include(i, x, y)) continue;
      for (let k = 0; k < 3; k++) {
        const v = data[4 * i + k]!;
        hist[k * 256 + v]!++;
        sum[k]! += v;
      }
      n++;
    }
  if (n === 0) return false;
  const rank = Math.floor(0.02 * n);
  const pale = [0, 1, 2].every((k) => {
    let v = 0;
    for (let below = hist[k * 256]!; below <= rank; below += hist[k * 256 + ++v]!);
    return v >= PALE * backdrop[k]!;
  });
  // Hued: the channels of the mean departure from the backdrop differ by a third of its size or more (a pink
  // seal over white: 0.50; a grey shadow's channels depart alike).
  const departure = sum.map((s, k) => s / n - backdrop[k]!);
  const size = Math.max(...departure.map(Math.abs));
  return pale && size > 0 && Math.max(...departure) - Math.min(...departure) >= HUED * size;
}

/**
 * The islands, grown by their rim within the backdrop, and the backdrop filled in under them. The stamp's
 * faintest parts (a seal's pale tint between its rings) are close enough to the backdrop for its flood to pass
 * over them: within the islands' box, backdrop pixels that still depart from the backdrop's colour are the
 * stamp's too, filled rather than filled from.
 */
function fillIslands(
  image: RawImage,
  core: Uint8Array,
  labels: Int32Array,
  members: Uint8Array,
  island: Box,
  backdrop: readonly [number, number, number],
): Omit<FloatingMark, 'pieces'> {
  const box = grownBox(island, RIM_PX + 2 * FILL_RADIUS, image.width, image.height);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const own = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) own[y * w + x] = members[labels[(y + box.y0) * image.width + x + box.x0]!]!;
  const mask = dilate(own, w, h, RIM_PX);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!own[i] && !core[(y + box.y0) * image.width + x + box.x0]) mask[i] = 0;
    }
  for (const i of tintOf(image, core, box, island, backdrop)) mask[i] = 1;
  const pixels = cropPlanes(image, box);
  // Filled from the backdrop alone: a product beside the stamp, inside the box, is no source (a red mug's
  // corner would tint the seal's middle pink), though it is not filled either.
  const unknown = Uint8Array.from(mask, (m, i) =>
    m || !core[(Math.floor(i / w) + box.y0) * image.width + (i % w) + box.x0] ? 1 : 0,
  );
  // fillUnder widens its window up to 16 × its radius: wide enough here to reach the middle of a seal whose
  // centre is all mark. The backdrop is plain, so a wider window only averages more of the same.
  const radius = Math.max(FILL_RADIUS, Math.ceil(Math.max(w, h) / 32));
  return { box, mask, fill: fillUnder(pixels, unknown, w, h, radius) };
}

/** Levels (any channel) beyond JPEG noise by which a backdrop pixel departs from the backdrop's colour. */
const TINT_LEVELS = 6;

/**
 * The stamp's tint over the backdrop (indices over `box`): pixels of the backdrop's flood within the islands'
 * own box that depart from the backdrop's colour (a seal's pale middle, its faint outer fringe). Limiting them
 * to those inside the islands' outline or joined to them lost the gain (on seeds 5, 7, 11 and 23 of the
 * synthetic set, 0.5–1.3 dB): the fringe parts from the rings where it fades into JPEG noise.
 */
function tintOf(
  image: RawImage,
  core: Uint8Array,
  box: Box,
  island: Box,
  backdrop: readonly [number, number, number],
): number[] {
  const w = box.x1 - box.x0;
  const tint: number[] = [];
  for (let gy = island.y0; gy < island.y1; gy++)
    for (let gx = island.x0; gx < island.x1; gx++) {
      const j = gy * image.width + gx;
      if (!core[j]) continue;
      for (let k = 0; k < 3; k++)
        if (Math.abs(image.data[4 * j + k]! - backdrop[k]!) > TINT_LEVELS) {
          tint.push((gy - box.y0) * w + gx - box.x0);
          break;
        }
    }
  return tint;
}
