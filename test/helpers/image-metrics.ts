/**
 * Full-reference image metrics for the enhance tests and its evaluations (bench/eval-sr.ts,
 * bench/eval-corrections.ts): PSNR over RGB, SSIM on luma, CIEDE2000 colour difference, and a JPEG
 * blockiness ratio. All take 8-bit RGBA images (alpha ignored) of the same size.
 */
import type { Pixels } from './image-similarity.js';

function assertSameSize(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== 4 || b.channels !== 4) {
    throw new Error(
      `cannot compare ${a.width}×${a.height}×${a.channels} with ${b.width}×${b.height}×${b.channels}`,
    );
  }
}

/** PSNR in dB over the R, G and B channels (alpha ignored), peak 255. */
export function psnrRgb(a: Pixels, b: Pixels): number {
  assertSameSize(a, b);
  let sum = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const d = a.data[i * 4 + c]! - b.data[i * 4 + c]!;
      sum += d * d;
    }
  }
  const mse = sum / (3 * n);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/** BT.601 luma, 0..255, as floats. */
function luma(img: Pixels): Float64Array {
  const n = img.width * img.height;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = 0.299 * img.data[i * 4]! + 0.587 * img.data[i * 4 + 1]! + 0.114 * img.data[i * 4 + 2]!;
  }
  return y;
}

/** Separable Gaussian blur (σ 1.5, 11 taps) with the window clipped and renormalised at the borders. */
function gauss(src: Float64Array, w: number, h: number): Float64Array {
  const k = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const mid = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let t = -5; t <= 5; t++) {
        const xx = x + t;
        if (xx < 0 || xx >= w) continue;
        s += src[y * w + xx]! * k[t + 5]!;
        ws += k[t + 5]!;
      }
      mid[y * w + x] = s / ws;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let t = -5; t <= 5; t++) {
        const yy = y + t;
        if (yy < 0 || yy >= h) continue;
        s += mid[yy * w + x]! * k[t + 5]!;
        ws += k[t + 5]!;
      }
      out[y * w + x] = s / ws;
    }
  }
  return out;
}

/** Mean SSIM (Wang et al. 2004: Gaussian window σ 1.5, K1 0.01, K2 0.03) on BT.601 luma. */
export function ssimLuma(a: Pixels, b: Pixels): number {
  assertSameSize(a, b);
  const { width: w, height: h } = a;
  const x = luma(a);
  const y = luma(b);
  const n = w * h;
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i]! * x[i]!;
    yy[i] = y[i]! * y[i]!;
    xy[i] = x[i]! * y[i]!;
  }
  const [mx, my, sxx, syy, sxy] = [x, y, xx, yy, xy].map((p) => gauss(p, w, h)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const vx = sxx[i]! - mx[i]! * mx[i]!;
    const vy = syy[i]! - my[i]! * my[i]!;
    const cov = sxy[i]! - mx[i]! * my[i]!;
    sum +=
      ((2 * mx[i]! * my[i]! + c1) * (2 * cov + c2)) /
      ((mx[i]! * mx[i]! + my[i]! * my[i]! + c1) * (vx + vy + c2));
  }
  return sum / n;
}

const srgbToLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const LINEAR = Array.from({ length: 256 }, (_, v) => srgbToLinear(v));

/** CIE L*a*b* (D65) of an 8-bit sRGB colour. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const fx = f(X);
  const fy = f(Y);
  const fz = f(Z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIEDE2000 difference of two Lab colours (Sharma, Wu & Dalal 2005). */
export function deltaE2000(l1: number, a1: number, b1: number, l2: number, a2: number, b2: number): number {
  const rad = Math.PI / 180;
  const c1 = Math.hypot(a1, b1);
  const c2 = Math.hypot(a2, b2);
  const cm = (c1 + c2) / 2;
  const g = 0.5 * (1 - Math.sqrt(cm ** 7 / (cm ** 7 + 25 ** 7)));
  const ap1 = (1 + g) * a1;
  const ap2 = (1 + g) * a2;
  const cp1 = Math.hypot(ap1, b1);
  const cp2 = Math.hypot(ap2, b2);
  const hue = (b: number, a: number) => {
    if (a === 0 && b === 0) return 0;
    const h = Math.atan2(b, a) / rad;
    return h < 0 ? h + 360 : h;
  };
  const hp1 = hue(b1, ap1);
  const hp2 = hue(b2, ap2);
  const dL = l2 - l1;
  const dC = cp2 - cp1;
  let dh = 0;
  if (cp1 * cp2 !== 0) {
    dh = hp2 - hp1;
    if (dh > 180) dh -= 360;
    else if (dh < -180) dh += 360;
  }
  const dH = 2 * Math.sqrt(cp1 * cp2) * Math.sin((dh / 2) * rad);
  const lm = (l1 + l2) / 2;
  const cpm = (cp1 + cp2) / 2;
  let hm = hp1 + hp2;
  if (cp1 * cp2 !== 0) {
    if (Math.abs(hp1 - hp2) > 180) hm += hm < 360 ? 360 : -360;
    hm /= 2;
  }
  const t =
    1 -
    0.17 * Math.cos((hm - 30) * rad) +
    0.24 * Math.cos(2 * hm * rad) +
    0.32 * Math.cos((3 * hm + 6) * rad) -
    0.2 * Math.cos((4 * hm - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hm - 275) / 25) ** 2));
  const rc = 2 * Math.sqrt(cpm ** 7 / (cpm ** 7 + 25 ** 7));
  const sl = 1 + (0.015 * (lm - 50) ** 2) / Math.sqrt(20 + (lm - 50) ** 2);
  const sc = 1 + 0.045 * cpm;
  const sh = 1 + 0.015 * cpm * t;
  const rt = -Math.sin(2 * dTheta * rad) * rc;
  return Math.sqrt((dL / sl) ** 2 + (dC / sc) ** 2 + (dH / sh) ** 2 + rt * (dC / sc) * (dH / sh));
}

/** Mean CIEDE2000 between two images, pixel by pixel. */
export function meanDeltaE(a: Pixels, b: Pixels): number {
  assertSameSize(a, b);
  const n = a.width * a.height;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const [l1, a1, b1] = srgbToLab(a.data[o]!, a.data[o + 1]!, a.data[o + 2]!);
    const [l2, a2, b2] = srgbToLab(b.data[o]!, b.data[o + 1]!, b.data[o + 2]!);
    sum += deltaE2000(l1, a1, b1, l2, a2, b2);
  }
  return sum / n;
}

/**
 * JPEG blockiness on a grid of `period` px: the mean absolute luma step across grid lines divided by the
 * mean step between other neighbours. About 1 for an image without blocks; JPEG blocks push it above.
 */
export function blockiness(img: Pixels, period: number): number {
  const y = luma(img);
  const { width: w, height: h } = img;
  let onGrid = 0;
  let onCount = 0;
  let off = 0;
  let offCount = 0;
  for (let r = 0; r < h; r++) {
    for (let x = 0; x + 1 < w; x++) {
      const d = Math.abs(y[r * w + x + 1]! - y[r * w + x]!);
      if ((x + 1) % period === 0) {
        onGrid += d;
        onCount++;
      } else {
        off += d;
        offCount++;
      }
    }
  }
  for (let r = 0; r + 1 < h; r++) {
    for (let x = 0; x < w; x++) {
      const d = Math.abs(y[(r + 1) * w + x]! - y[r * w + x]!);
      if ((r + 1) % period === 0) {
        onGrid += d;
        onCount++;
      } else {
        off += d;
        offCount++;
      }
    }
  }
  return onGrid / Math.max(1, onCount) / Math.max(1e-9, off / Math.max(1, offCount));
}
