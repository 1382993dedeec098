/** Box-averaged downsampling of interleaved 8-bit pixels, for the steps that work below full resolution. */
import type { Window } from './guided-filter.js';

/**
 * Box-averaged downsampling of interleaved 8-bit pixels to RGB (first three channels) at tw×th, only the
 * target pixels inside `w` (the result is w.width × w.height).
 */
export function downsampleRgb(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  tw: number,
  th: number,
  w: Window,
): Uint8Array {
  const out = new Uint8Array(w.width * w.height * 3);
  const sx = width / tw;
  const sy = height / th;
  for (let y = 0; y < w.height; y++) {
    const ty = y + w.top;
    const y0 = Math.floor(ty * sy);
    const y1 = Math.max(y0 + 1, Math.floor((ty + 1) * sy));
    for (let x = 0; x < w.width; x++) {
      const tx = x + w.left;
      const x0 = Math.floor(tx * sx);
      const x1 = Math.max(x0 + 1, Math.floor((tx + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (
          let j = (yy * width + x0) * channels, end = (yy * width + x1) * channels;
          j < end;
          j += channels
        ) {
          r += pixels[j]!;
          g += pixels[j + 1]!;
          b += pixels[j + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w.width + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return out;
}
