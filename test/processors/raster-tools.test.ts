/**
 * The raster tools the processors share are fast forms of simple definitions (the window of a dilation, the
 * pixels of a component, the middle of a sorted window). Each is checked here against that definition, written
 * the slow, obvious way, on random masks and images of awkward sizes, so a faster form can never drift from it.
 */
import { describe, expect, it } from 'vitest';
import { sequence as random } from '../../src/processors/backgrounds/noise.js';
import { boxSum } from '../../src/processors/box-sum.js';
import { labelComponents, labelMask } from '../../src/processors/connected-components.js';
import { medianFilter } from '../../src/processors/watermark/estimate-alpha.js';
import { dilate, dilateColumns, erode } from '../../src/processors/watermark/raster.js';

/** Sizes that include single rows and columns, and windows wider than the raster. */
const CASES = [
  [1, 1, 1],
  [1, 9, 2],
  [9, 1, 3],
  [7, 5, 4],
  [33, 21, 1],
  [40, 31, 3],
  [64, 17, 6],
] as const;

/** A mask of blobs and specks: runs long enough for the run-based code paths, noise for the rest. */
function mask(w: number, h: number, next: () => number, density: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = next() < density ? 1 : 0;
  for (let b = 0; b < 3; b++) {
    const cx = next() * w;
    const cy = next() * h;
    const r = 1 + next() * Math.min(w, h) * 0.4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * w + x] = 1;
  }
  return m;
}

/** Set pixels of the (2r+1)² window around every pixel, outside the raster counting as unset. */
function windowCounts(src: ArrayLike<number>, w: number, h: number, r: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let yy = y - r; yy <= y + r; yy++)
        for (let xx = x - r; xx <= x + r; xx++)
          if (xx >= 0 && yy >= 0 && xx < w && yy < h) n += src[yy * w + xx]!;
      out.push(n);
    }
  return out;
}

describe('binary dilation and erosion', () => {
  it('equal the window definitions: any set pixel within r, every pixel within r set and inside', () => {
    const next = random(7);
    for (const [w, h, r] of CASES)
      for (const density of [0.02, 0.5, 0.97]) {
        const m = mask(w, h, next, density);
        const counts = windowCounts(m, w, h, r);
        const full = (2 * r + 1) * (2 * r + 1);
        expect(Array.from(dilate(m, w, h, r)), `dilate ${w}×${h} r${r}`).toEqual(
          counts.map((n) => (n >= 1 ? 1 : 0)),
        );
        expect(Array.from(erode(m, w, h, r)), `erode ${w}×${h} r${r}`).toEqual(
          counts.map((n) => (n === full ? 1 : 0)),
        );
        // The column half alone: a set pixel within r above or below.
        const columns = Array.from(m, (_, i) => {
          const x = i % w;
          const y = Math.floor(i / w);
          for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) if (m[yy * w + x]) return 1;
          return 0;
        });
        expect(Array.from(dilateColumns(m, w, h, r)), `dilateColumns ${w}×${h} r${r}`).toEqual(columns);
      }
  });
});

describe('boxSum', () => {
  it('sums every (2r+1)² window, integer and float, with the output in place of the input', () => {
    const next = random(11);
    for (const [w, h, r] of CASES) {
      const ints = Int32Array.from({ length: w * h }, () => Math.floor(next() * 256));
      expect(Array.from(boxSum(ints, w, h, r, new Int32Array(w * h), new Int32Array(w * h)))).toEqual(
        windowCounts(ints, w, h, r),
      );
      const floats = Float32Array.from({ length: w * h }, () => Math.floor(next() * 64) / 4);
      const reference = windowCounts(floats, w, h, r);
      const inPlace = floats.slice();
      boxSum(inPlace, w, h, r, inPlace, new Float32Array(w * h));
      expect(Array.from(inPlace)).toEqual(reference.map((v) => Math.fround(v)));
    }
  });
});

describe('connected components', () => {
  it('labels 8-connected pieces in scan order, with their areas and boxes', () => {
    const next = random(3);
    for (const [w, h] of CASES) {
      const m = mask(w, h, next, 0.3);
      const { labels, components } = labelMask(w, h, m);
      // Each piece, flooded the obvious way from its first pixel in scan order.
      const seen = new Int32Array(w * h);
      let count = 0;
      for (let start = 0; start < m.length; start++) {
        if (!m[start] || seen[start]) continue;
        count++;
        const pixels = [start];
        seen[start] = count;
        for (let k = 0; k < pixels.length; k++) {
          const x = pixels[k]! % w;
          const y = Math.floor(pixels[k]! / w);
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const nx = x + dx;
              const ny = y + dy;
              const j = ny * w + nx;
              if (nx >= 0 && ny >= 0 && nx < w && ny < h && m[j] && !seen[j]) {
                seen[j] = count;
                pixels.push(j);
              }
            }
        }
        const xs = pixels.map((i) => i % w);
        const ys = pixels.map((i) => Math.floor(i / w));
        expect(components[count - 1]).toEqual({
          area: pixels.length,
          box: { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs) + 1, y1: Math.max(...ys) + 1 },
        });
      }
      expect(components).toHaveLength(count);
      expect(Array.from(labels)).toEqual(Array.from(seen));
      // The predicate form labels the same pixels.
      expect(Array.from(labelComponents(w, h, (i) => m[i] === 1).labels)).toEqual(Array.from(seen));
    }
  });
});

describe('medianFilter', () => {
  it('gives the middle of each sorted (2r+1)² window, edges clamped', () => {
    const next = random(5);
    for (const [w, h, r] of CASES) {
      // Few levels make ties, which a running histogram must count right.
      const src = Uint8Array.from({ length: w * h }, () => Math.floor(next() * (next() < 0.5 ? 4 : 256)));
      const expected: number[] = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const window: number[] = [];
          for (let yy = y - r; yy <= y + r; yy++)
            for (let xx = x - r; xx <= x + r; xx++)
              window.push(src[Math.min(h - 1, Math.max(0, yy)) * w + Math.min(w - 1, Math.max(0, xx))]!);
          window.sort((a, b) => a - b);
          expected.push(window[window.length >> 1]!);
        }
      expect(Array.from(medianFilter(src, w, h, r)), `${w}×${h} r${r}`).toEqual(expected);
    }
  });
});
