/**
 * Separable resampling of planar float images with a named kernel, PIL-style: each output pixel centre maps
 * to `(x + 0.5) · in/out` in the source; when shrinking, the kernel is stretched by the ratio so it also
 * filters (antialiases); taps that fall outside the image are dropped and the rest renormalised.
 *
 * We resample ourselves rather than through sharp because libvips *enlarges* with a bicubic interpolator
 * whatever `kernel` says (sharp's `lanczos3` upscale is Catmull-Rom bicubic), and the Lanczos fallback and
 * the Lanczos baseline in `bench/eval-sr.ts` must be Lanczos. `area` is a box filter: the exact average of
 * the source pixels each output pixel covers, the right way down from the model's ×4 to ×2 or ×3.
 */

export const resampleKernels = {
  /** Lanczos, a = 3: sharpest of the three, rings slightly on hard edges. */
  lanczos3: {
    support: 3,
    weight: (x: number) => (x === 0 ? 1 : Math.abs(x) >= 3 ? 0 : sinc(x) * sinc(x / 3)),
  },
  /** Box: each output pixel is the mean of the source area it covers, partly covered pixels weighted by
   * the fraction covered (so ×4 → ×3 is exact too). For shrinking only. */
  area: { support: 0.5, weight: (x: number) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
  /** Tent (bilinear when enlarging). */
  triangle: { support: 1, weight: (x: number) => Math.max(0, 1 - Math.abs(x)) },
} as const;
export type ResampleKernel = keyof typeof resampleKernels;

function sinc(x: number): number {
  const p = Math.PI * x;
  return Math.sin(p) / p;
}

/** Planar float image with any number of channels (`data.length === channels · width · height`). */
export interface Planes {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

interface Taps {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly stride: number;
  readonly weights: Float32Array;
}

/**
 * Where output pixels sit in the source, per axis: output pixel `o`'s centre is at source coordinate
 * `(o + 0.5) · scale + offset` (pixel `i` spans `[i, i + 1)`). Whole-image resampling is `scale = in/out`,
 * `offset = 0`; a window of a larger picture uses the window's origin in `offset`, so tiles resampled one
 * by one give exactly the pixels the whole image would.
 */
export interface AxisMapping {
  readonly scale: number;
  readonly offset: number;
}

/** For each output index, the first source index and normalised weights of the taps it reads. */
function taps(inLen: number, outLen: number, kernel: ResampleKernel, map: AxisMapping): Taps {
  const k = resampleKernels[kernel];
  const { scale, offset } = map;
  const filterScale = Math.max(scale, 1);
  const support = k.support * filterScale;
  const stride = Math.ceil(support) * 2 + 2;
  const first = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * stride);
  for (let o = 0; o < outLen; o++) {
    const centre = (o + 0.5) * scale + offset;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inLen, Math.ceil(centre + support));
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const w =
        kernel === 'area'
          ? Math.max(0, Math.min(i + 1, centre + support) - Math.max(i, centre - support))
          : k.weight((i + 0.5 - centre) / filterScale);
      weights[o * stride + i - lo] = w;
      sum += w;
    }
    const n = hi - lo;
    if (sum !== 0) for (let t = 0; t < n; t++) weights[o * stride + t]! /= sum;
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, stride, weights };
}

/** Resamples every channel to width×height (the whole picture). */
export function resample(src: Planes, width: number, height: number, kernel: ResampleKernel): Planes {
  if (width === src.width && height === src.height) return src;
  return resampleWindow(
    src,
    width,
    height,
    kernel,
    { scale: src.width / width, offset: 0 },
    { scale: src.height / height, offset: 0 },
  );
}

/** Resamples every channel to a width×height output placed in the source by `mapX`/`mapY`. */
export function resampleWindow(
  src: Planes,
  width: number,
  height: number,
  kernel: ResampleKernel,
  mapX: AxisMapping,
  mapY: AxisMapping,
): Planes {
  const identity = (m: AxisMapping) => m.scale === 1 && Math.abs(m.offset) < 1e-9;
  if (width === src.width && height === src.height && identity(mapX) && identity(mapY)) return src;
  const { channels } = src;
  const tx = taps(src.width, width, kernel, mapX);
  const ty = taps(src.height, height, kernel, mapY);
  // Horizontal pass over only the source rows the vertical taps read (a tile of a large picture reads a few
  // hundred of its rows), into an intermediate of width × those rows; then vertical.
  let y0 = src.height;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    if (ty.count[y]! === 0) continue;
    y0 = Math.min(y0, ty.first[y]!);
    y1 = Math.max(y1, ty.first[y]! + ty.count[y]!);
  }
  const rows = Math.max(0, y1 - y0);
  const mid = new Float32Array(channels * width * rows);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < rows; y++) {
      const row = (c * src.height + y0 + y) * src.width;
      const outRow = (c * rows + y) * width;
      for (let x = 0; x < width; x++) {
        const f = tx.first[x]!;
        const n = tx.count[x]!;
        const wOff = x * tx.stride;
        let s = 0;
        for (let t = 0; t < n; t++) s += src.data[row + f + t]! * tx.weights[wOff + t]!;
        mid[outRow + x] = s;
      }
    }
  }
  const out = new Float32Array(channels * width * height);
  const acc = new Float32Array(width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const f = ty.first[y]!;
      const n = ty.count[y]!;
      const wOff = y * ty.stride;
      acc.fill(0);
      for (let t = 0; t < n; t++) {
        const w = ty.weights[wOff + t]!;
        const row = (c * rows + f - y0 + t) * width;
        for (let x = 0; x < width; x++) acc[x]! += mid[row + x]! * w;
      }
      out.set(acc, (c * height + y) * width);
    }
  }
  return { data: out, width, height, channels };
}
