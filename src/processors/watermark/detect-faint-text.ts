/**
 * Faint marks on the studio backdrop. A pale mark on white (a light green logo's small print at 30 %) differs
 * from the backdrop by 20–30 levels in thin strokes; scaled down for the detector it falls below what PP-OCR
 * calls text. Stretching every pixel's difference from the backdrop's colour brings such a mark up to the
 * contrast of ordinary print, and the backdrop stays the backdrop. Only the detector sees the stretched
 * picture; the regions it adds are measured and judged on the photo like any other.
 */
import type { ModelProvider } from '../../models/model-provider.js';
import { type Box, boxesOverlap, labelMask } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { type TextMap, type TextRegion, textProbability } from './detect-text.js';

/** Factor the difference from the backdrop is stretched by: 25 levels become 75, about the contrast of print. */
export const BACKDROP_GAIN = 3;

/** Spread (levels) between the channels of a pixel's difference from the backdrop that shows a hue. */
const HUE_LEVELS = 12;
/** Pixels of hue floating on the backdrop that are worth a second look (a pale caption has thousands). */
const MIN_HUED_PIXELS = 100;

/**
 * Whether anything of a colour floats on the backdrop (an image-sized mask): pixels on it whose difference
 * from the backdrop has a hue, in pieces that nowhere touch the rest of the picture (a coloured product's rim
 * does). The second look, a second run of the detector, is spent only then: the pieces it restores are
 * coloured ones (floating-mark.ts), and a clean studio shot has none.
 */
export function huedPiecesAfloat(
  image: RawImage,
  plain: Uint8Array,
  backdrop: readonly [number, number, number],
): boolean {
  const { width: w, height: h, data } = image;
  const [r0, g0, b0] = backdrop;
  const hued = new Uint8Array(w * h);
  for (let i = 0, j = 0; i < hued.length; i++, j += 4) {
    if (!plain[i]) continue;
    const r = data[j]! - r0;
    const g = data[j + 1]! - g0;
    const b = data[j + 2]! - b0;
    if (Math.max(r, g, b) - Math.min(r, g, b) >= HUE_LEVELS) hued[i] = 1;
  }
  const { labels, components } = labelMask(w, h, hued);
  const touches = new Uint8Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l || touches[l]) continue;
    // The frame's edge counts as the rest of the picture too.
    const x = i % w;
    const y = (i - x) / w;
    if (x === 0 || y === 0 || x === w - 1 || y === h - 1) touches[l] = 1;
    else
      for (let j = i - w; j <= i + w; j += w)
        if (!plain[j - 1] || !plain[j] || !plain[j + 1]) {
          touches[l] = 1;
          break;
        }
  }
  let afloat = 0;
  components.forEach((c, index) => {
    if (!touches[index + 1]) afloat += c.area;
  });
  return afloat >= MIN_HUED_PIXELS;
}

/** The image with each pixel's difference from `backdrop` multiplied by `gain`, clipped to 0..255. */
export function stretchedFromBackdrop(
  image: RawImage,
  backdrop: readonly [number, number, number],
  gain: number,
): RawImage {
  const data = new Uint8ClampedArray(image.data.length);
  for (let j = 0; j < data.length; j += 4) {
    for (let k = 0; k < 3; k++) data[j + k] = backdrop[k]! + gain * (image.data[j + k]! - backdrop[k]!);
    data[j + 3] = 255;
  }
  return { width: image.width, height: image.height, channels: 4, data: Buffer.from(data.buffer) };
}

/**
 * Text lines the stretched picture shows on the plain backdrop (an image-sized mask) that none of the `known`
 * lines overlaps: only marks the first look missed are added, so the lines it found keep their extent. Over
 * the product the stretch would only sharpen its own print and texture, so the map counts there for nothing.
 */
export async function faintTextRegions(
  image: RawImage,
  plain: Uint8Array,
  backdrop: readonly [number, number, number],
  models: ModelProvider,
  linesOf: (map: TextMap) => TextRegion[],
  known: readonly { readonly box: Box }[],
): Promise<TextRegion[]> {
  const map = await textProbability(stretchedFromBackdrop(image, backdrop, BACKDROP_GAIN), models);
  const prob = Float32Array.from(map.prob);
  for (let y = 0; y < map.height; y++) {
    const iy = Math.min(image.height - 1, Math.floor((y + 0.5) * map.scaleY));
    for (let x = 0; x < map.width; x++) {
      const ix = Math.min(image.width - 1, Math.floor((x + 0.5) * map.scaleX));
      if (!plain[iy * image.width + ix]) prob[y * map.width + x] = 0;
    }
  }
  return linesOf({ ...map, prob }).filter(
    (r) =>
      !known.some((k) => boxesOverlap(r.box, k.box)) && shareOnMask(r, plain, image.width) >= ON_BACKDROP,
  );
}

/** Share of a faint line's region that must lie on the backdrop: a line along the product's outline is its edge. */
const ON_BACKDROP = 0.9;

function shareOnMask(r: TextRegion, mask: Uint8Array, width: number): number {
  const w = r.box.x1 - r.box.x0;
  let on = 0;
  let all = 0;
  for (let i = 0; i < r.mask.length; i++) {
    if (!r.mask[i]) continue;
    all++;
    if (mask[(r.box.y0 + Math.floor(i / w)) * width + r.box.x0 + (i % w)]) on++;
  }
  return all > 0 ? on / all : 0;
}
