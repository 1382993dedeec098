/**
 * SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel Methods",
 * TPAMI 2012): k-means in CIELAB + position, each centre searching only a 2S×2S window, so a pass is
 * O(pixels). Regions follow colour edges, which is what lets a per-region decision keep a clean boundary.
 * Afterwards every 4-connected piece of a label becomes its own superpixel, so no region spans two places;
 * k-means leftovers stay small regions of their own (the focus split settles them by colour, not by rule).
 */

export interface Superpixels {
  /** Superpixel id per pixel, 0..count-1. */
  readonly labels: Int32Array;
  readonly count: number;
}

export interface SlicOptions {
  /** Grid step S between initial centres, px. */
  readonly step: number;
  /** Weight of position against colour (SLIC's m; 10 is the paper's default for CIELAB). */
  readonly compactness?: number;
  readonly iterations?: number;
}

/** `rgb` is interleaved 8-bit RGB, width×height. */
export function slic(rgb: Uint8Array, width: number, height: number, options: SlicOptions): Superpixels {
  const step = Math.max(2, Math.round(options.step));
  const m = options.compactness ?? 10;
  const iterations = options.iterations ?? 10;
  const lab = toLab(rgb, width * height);
  const gx = Math.max(1, Math.round(width / step));
  const gy = Math.max(1, Math.round(height / step));
  const k = gx * gy;
  // Centres: L, a, b, x, y.
  const centre = new Float64Array(k * 5);
  for (let j = 0; j < gy; j++) {
    for (let i = 0; i < gx; i++) {
      const c = (j * gx + i) * 5;
      const x = Math.min(width - 1, Math.floor(((i + 0.5) * width) / gx));
      const y = Math.min(height - 1, Math.floor(((j + 0.5) * height) / gy));
      const p = (y * width + x) * 3;
      centre.set([lab[p]!, lab[p + 1]!, lab[p + 2]!, x, y], c);
    }
  }
  const labels = new Int32Array(width * height).fill(-1);
  const distance = new Float32Array(width * height);
  const spatial = (m / step) * (m / step);
  const sums = new Float64Array(k * 6);
  for (let it = 0; it < iterations; it++) {
    distance.fill(Number.POSITIVE_INFINITY);
    for (let c = 0; c < k; c++) {
      const [L, A, B, cx, cy] = [
        centre[c * 5]!,
        centre[c * 5 + 1]!,
        centre[c * 5 + 2]!,
        centre[c * 5 + 3]!,
        centre[c * 5 + 4]!,
      ];
      const x0 = Math.max(0, Math.floor(cx - step));
      const x1 = Math.min(width - 1, Math.ceil(cx + step));
      const y0 = Math.max(0, Math.floor(cy - step));
      const y1 = Math.min(height - 1, Math.ceil(cy + step));
      for (let y = y0; y <= y1; y++) {
        const dy2 = (y - cy) * (y - cy);
        for (let x = x0; x <= x1; x++) {
          const i = y * width + x;
          const p = i * 3;
          const dl = lab[p]! - L;
          const da = lab[p + 1]! - A;
          const db = lab[p + 2]! - B;
          const d = dl * dl + da * da + db * db + ((x - cx) * (x - cx) + dy2) * spatial;
          if (d < distance[i]!) {
            distance[i] = d;
            labels[i] = c;
          }
        }
      }
    }
    sums.fill(0);
    for (let i = 0, p = 0; i < labels.length; i++, p += 3) {
      const s = labels[i]! * 6;
      if (s < 0) continue;
      sums[s]! += lab[p]!;
      sums[s + 1]! += lab[p + 1]!;
      sums[s + 2]! += lab[p + 2]!;
      sums[s + 3]! += i % width;
      sums[s + 4]! += Math.floor(i / width);
      sums[s + 5]! += 1;
    }
    for (let c = 0; c < k; c++) {
      const n = sums[c * 6 + 5]!;
      if (n === 0) continue;
      for (let f = 0; f < 5; f++) centre[c * 5 + f] = sums[c * 6 + f]! / n;
    }
  }
  return connectedPieces(labels, width);
}

/** Every 4-connected piece of one label gets its own id (flood fill with an explicit stack). */
function connectedPieces(labels: Int32Array, width: number): Superpixels {
  const out = new Int32Array(labels.length).fill(-1);
  const stack = new Int32Array(labels.length);
  let count = 0;
  for (let seed = 0; seed < labels.length; seed++) {
    if (out[seed] !== -1) continue;
    const label = labels[seed]!;
    let top = 0;
    stack[top++] = seed;
    out[seed] = count;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      if (x > 0 && out[i - 1] === -1 && labels[i - 1] === label) {
        out[i - 1] = count;
        stack[top++] = i - 1;
      }
      if (x < width - 1 && out[i + 1] === -1 && labels[i + 1] === label) {
        out[i + 1] = count;
        stack[top++] = i + 1;
      }
      if (i >= width && out[i - width] === -1 && labels[i - width] === label) {
        out[i - width] = count;
        stack[top++] = i - width;
      }
      if (i + width < labels.length && out[i + width] === -1 && labels[i + width] === label) {
        out[i + width] = count;
        stack[top++] = i + width;
      }
    }
    count++;
  }
  return { labels: out, count };
}

/** sRGB (D65) to CIELAB, interleaved L, a, b per pixel. */
function toLab(rgb: Uint8Array, pixels: number): Float32Array {
  const linear = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    linear[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const out = new Float32Array(pixels * 3);
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    const r = linear[rgb[p]!]!;
    const g = linear[rgb[p + 1]!]!;
    const b = linear[rgb[p + 2]!]!;
    const fx = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    out[p] = 116 * fy - 16;
    out[p + 1] = 500 * (fx - fy);
    out[p + 2] = 200 * (fy - fz);
  }
  return out;
}
