/**
 * 8-connected components of a binary raster, with each component's area and box: the one labelling the
 * subject selection (mask-refine.ts) and the watermark helpers share. Depth-first with an explicit stack,
 * O(pixels), no allocation per pixel.
 */

/** Half-open pixel box. */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The smallest box holding both. */
export const unionBox = (p: Box, q: Box): Box => ({
  x0: Math.min(p.x0, q.x0),
  y0: Math.min(p.y0, q.y0),
  x1: Math.max(p.x1, q.x1),
  y1: Math.max(p.y1, q.y1),
});

/** A box grown by `pad` on every side and clipped to a `width` × `height` image. */
export const grownBox = (b: Box, pad: number, width: number, height: number): Box => ({
  x0: Math.max(0, b.x0 - pad),
  y0: Math.max(0, b.y0 - pad),
  x1: Math.min(width, b.x1 + pad),
  y1: Math.min(height, b.y1 + pad),
});

/** Whether two boxes overlap, or come within `gap` pixels of each other. */
export function boxesOverlap(p: Box, q: Box, gap = 0): boolean {
  return p.x0 - gap < q.x1 && q.x0 < p.x1 + gap && p.y0 - gap < q.y1 && q.y0 < p.y1 + gap;
}

export interface Component {
  readonly area: number;
  readonly box: Box;
}

export interface Components {
  /** Component id per pixel, 0 for pixels outside every component, ids from 1. */
  readonly labels: Int32Array;
  readonly count: number;
  /** `components[id - 1]` describes component `id`. */
  readonly components: Component[];
}

/** 8-connected components of the pixels where `inside(i)` holds (i = y·width + x). */
export function labelComponents(width: number, height: number, inside: (i: number) => boolean): Components {
  // The predicate is asked once per pixel: every caller passes its own closure, so each call is a slow
  // megamorphic one, and the flood would otherwise ask again for each of a pixel's neighbours.
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) if (inside(i)) mask[i] = 1;
  return labelMask(width, height, mask);
}

/** 8-connected components of the nonzero pixels of `mask`. */
export function labelMask(width: number, height: number, mask: Uint8Array): Components {
  const labels = new Int32Array(width * height);
  // The stack grows on demand: most masks are sparse, and a megapixel's worth of it costs page faults to touch.
  let stack = new Int32Array(Math.min(labels.length, 4096));
  const components: Component[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = components.length + 1;
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    let area = 0;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      area++;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x >= x1) x1 = x + 1;
      if (y >= y1) y1 = y + 1;
      const xa = x > 0 ? x - 1 : x;
      const xb = x < width - 1 ? x + 1 : x;
      const ya = y > 0 ? y - 1 : y;
      const yb = y < height - 1 ? y + 1 : y;
      for (let ny = ya; ny <= yb; ny++)
        for (let j = ny * width + xa, end = ny * width + xb; j <= end; j++)
          if (mask[j] !== 0 && labels[j] === 0) {
            labels[j] = label;
            if (top === stack.length) {
              const grown = new Int32Array(Math.min(labels.length, 2 * stack.length));
              grown.set(stack);
              stack = grown;
            }
            stack[top++] = j;
          }
    }
    components.push({ area, box: { x0, y0, x1, y1 } });
  }
  return { labels, count: components.length, components };
}

/** The 8 neighbours of pixel i (= y·width + x) that lie inside a width × height raster. */
export function* neighbours(i: number, width: number, height: number): Generator<number> {
  const x = i % width;
  const y = (i - x) / width;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx;
      const ny = y + dy;
      if ((dx || dy) && nx >= 0 && ny >= 0 && nx < width && ny < height) yield ny * width + nx;
    }
}

/** Bounding box of the nonzero pixels of a raster, grown by `pad` and clipped to it; null if there are none. */
export function nonzeroBox(
  values: ArrayLike<number>,
  width: number,
  height: number,
  pad: number,
): Box | null {
  let [x0, y0, x1, y1] = [width, height, 0, 0];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (values[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
    }
  }
  if (x1 === 0) return null;
  return grownBox({ x0, y0, x1, y1 }, pad, width, height);
}
