/**
 * Exemplar inpainting for the few pixels a mark hides completely (opaque strokes, where no blend can be
 * inverted): Efros–Leung style, one pixel at a time from the hole's rim inwards, each copied from the centre of
 * the known patch nearby that best matches the pixel's known neighbours (sum of squared differences). Texture
 * continues into the hole instead of being averaged away as a diffusion fill would.
 */
import type { Box } from './raster.js';

export interface InpaintOptions {
  /** Patch radius: patches are (2r+1)². */
  readonly radius: number;
  /** How far from the hole pixel candidate patches are searched. */
  readonly searchRadius: number;
}

/**
 * Fills `hole` (1 = unknown, over the whole image) in the RGBA buffer `data`, in place. Returns the pixels filled.
 * Pixels outside `hole` are never written.
 */
export function inpaintPatch(
  data: Buffer,
  width: number,
  height: number,
  hole: Uint8Array,
  bounds: Box,
  { radius, searchRadius }: InpaintOptions,
): number {
  const known = new Uint8Array(width * height);
  for (let i = 0; i < known.length; i++) known[i] = hole[i] ? 0 : 1;
  let remaining = 0;
  for (let y = bounds.y0; y < bounds.y1; y++)
    for (let x = bounds.x0; x < bounds.x1; x++) if (hole[y * width + x]) remaining++;
  const total = remaining;
  const step = Math.max(1, Math.floor(searchRadius / 12));
  while (remaining > 0) {
    // The current rim: unknown pixels with a known 4-neighbour.
    const rim: number[] = [];
    for (let y = bounds.y0; y < bounds.y1; y++)
      for (let x = bounds.x0; x < bounds.x1; x++) {
        const i = y * width + x;
        if (known[i]) continue;
        if (
          (x > 0 && known[i - 1]) ||
          (x < width - 1 && known[i + 1]) ||
          (y > 0 && known[i - width]) ||
          (y < height - 1 && known[i + width])
        )
          rim.push(i);
      }
    if (rim.length === 0) break;
    for (const i of rim) {
      const x = i % width;
      const y = (i - x) / width;
      let best = -1;
      let bestCost = Number.POSITIVE_INFINITY;
      for (
        let sy = Math.max(radius, y - searchRadius);
        sy <= Math.min(height - 1 - radius, y + searchRadius);
        sy += step
      ) {
        for (
          let sx = Math.max(radius, x - searchRadius);
          sx <= Math.min(width - 1 - radius, x + searchRadius);
          sx += step
        ) {
          const c = sy * width + sx;
          if (!known[c] || hole[c]) continue;
          let cost = 0;
          let used = 0;
          for (let dy = -radius; dy <= radius; dy++) {
            const ty = y + dy;
            if (ty < 0 || ty >= height) continue;
            for (let dx = -radius; dx <= radius; dx++) {
              const tx = x + dx;
              if (tx < 0 || tx >= width) continue;
              const t = ty * width + tx;
              const s = (sy + dy) * width + sx + dx;
              if (!known[t] || !known[s]) continue;
              const a = t * 4;
              const b = s * 4;
              const d0 = data[a]! - data[b]!;
              const d1 = data[a + 1]! - data[b + 1]!;
              const d2 = data[a + 2]! - data[b + 2]!;
              cost += d0 * d0 + d1 * d1 + d2 * d2;
              used++;
            }
          }
          if (used === 0) continue;
          // Favour patches that share more known pixels, and nearer ones on ties.
          cost = cost / used + 0.01 * ((sx - x) ** 2 + (sy - y) ** 2);
          if (cost < bestCost) {
            bestCost = cost;
            best = c;
          }
        }
      }
      if (best >= 0) {
        data[i * 4] = data[best * 4]!;
        data[i * 4 + 1] = data[best * 4 + 1]!;
        data[i * 4 + 2] = data[best * 4 + 2]!;
      }
      known[i] = 1;
      remaining--;
    }
  }
  return total - remaining;
}
