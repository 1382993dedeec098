/**
 * Small raster tools the watermark helpers share: binary morphology, connected components and mask scaling.
 * Plain typed-array loops, O(pixels) each, no allocation per pixel.
 */

/** Half-open pixel box. */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface Component {
  readonly area: number;
  readonly box: Box;
}

/** Binary dilation by a square of radius r (separable running count). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  return threshold(boxCount(mask, width, height, r), 1);
}

/** Binary erosion by a square of radius r. */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  return threshold(boxCount(mask, width, height, r), (2 * r + 1) * (2 * r + 1));
}

function threshold(count: Int32Array, atLeast: number): Uint8Array {
  const out = new Uint8Array(count.length);
  for (let i = 0; i < count.length; i++) out[i] = count[i]! >= atLeast ? 1 : 0;
  return out;
}

/** Count of set pixels in each (2r+1)² window; outside the image counts as unset. */
function boxCount(mask: Uint8Array, width: number, height: number, r: number): Int32Array {
  const tmp = new Int32Array(mask.length);
  const out = new Int32Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let acc = 0;
    for (let k = 0; k <= Math.min(r, width - 1); k++) acc += mask[row + k]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = acc;
      if (x + r + 1 < width) acc += mask[row + x + r + 1]!;
      if (x - r >= 0) acc -= mask[row + x - r]!;
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let k = 0; k <= Math.min(r, height - 1); k++) acc += tmp[k * width + x]!;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc;
      if (y + r + 1 < height) acc += tmp[(y + r + 1) * width + x]!;
      if (y - r >= 0) acc -= tmp[(y - r) * width + x]!;
    }
  }
  return out;
}

/** 8-connected components of a binary mask; labels are 1-based, 0 is background. */
export function labelComponents(
  mask: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(mask.length);
  const components: Component[] = [];
  const stack = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = components.length + 1;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
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
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
    }
    components.push({ area, box: { x0, y0, x1, y1 } });
  }
  return { labels, components };
}

/** Nearest-neighbour upscale of a small mask to the image size. */
export function upscaleMask(
  mask: Uint8Array,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Uint8Array {
  const out = new Uint8Array(toWidth * toHeight);
  for (let y = 0; y < toHeight; y++) {
    const sy = Math.min(height - 1, Math.floor((y * height) / toHeight));
    for (let x = 0; x < toWidth; x++) {
      const sx = Math.min(width - 1, Math.floor((x * width) / toWidth));
      out[y * toWidth + x] = mask[sy * width + sx]!;
    }
  }
  return out;
}

export const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
