/**
 * The guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013) with a colour guide, in its fast
 * form (He & Sun, "Fast Guided Filter", 2015): the local linear model q = aᵀI + b is fitted on a subsampled
 * guide and input, and only the smooth coefficients are upsampled and applied to the full-resolution guide.
 * Used on a soft mask, it snaps the mask's edges to the picture's colour edges, so a mask predicted at
 * 1024 px (or coarser) gets edges as sharp as the photo's, hair and fringes included.
 *
 * Per window ω_k of radius r (paper eq. 14–15, colour case):
 *   a_k = (Σ_k + ε U)⁻¹ ( 1/|ω| Σ_{i∈ω_k} I_i p_i − μ_k p̄_k ),   b_k = p̄_k − a_kᵀ μ_k,
 *   q_i = ā_iᵀ I_i + b̄_i   (ā, b̄: the coefficients averaged over the windows covering i).
 */
import { boxMean, type FloatMap } from './float-map.js';

/** A three-channel guide as planes of 0..1 floats. */
export interface ColourGuide {
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** Splits interleaved 8-bit pixels (`channels` per pixel, first three RGB) into 0..1 planes. */
export function guideFromPixels(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): ColourGuide {
  const n = width * height;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    r[i] = data[j]! / 255;
    g[i] = data[j + 1]! / 255;
    b[i] = data[j + 2]! / 255;
  }
  return { r, g, b, width, height };
}

/** The averaged linear coefficients (ā, b̄) of the guided filter, at the guide's resolution. */
export interface GuidedCoefficients {
  readonly ar: FloatMap;
  readonly ag: FloatMap;
  readonly ab: FloatMap;
  readonly b: FloatMap;
}

/** Fits the colour guided filter of `input` on `guide` (same size): radius r px, regularisation eps. */
export function guidedCoefficients(
  guide: ColourGuide,
  input: Float32Array,
  r: number,
  eps: number,
): GuidedCoefficients {
  const { width: w, height: h } = guide;
  const n = w * h;
  const box = (src: Float32Array) => boxMean(src, w, h, r);
  const product = (x: Float32Array, y: Float32Array) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
    return out;
  };
  const { r: I0, g: I1, b: I2 } = guide;
  const m0 = box(I0);
  const m1 = box(I1);
  const m2 = box(I2);
  const mp = box(input);
  const c0 = box(product(I0, input));
  const c1 = box(product(I1, input));
  const c2 = box(product(I2, input));
  const v00 = box(product(I0, I0));
  const v01 = box(product(I0, I1));
  const v02 = box(product(I0, I2));
  const v11 = box(product(I1, I1));
  const v12 = box(product(I1, I2));
  const v22 = box(product(I2, I2));
  const a0 = new Float32Array(n);
  const a1 = new Float32Array(n);
  const a2 = new Float32Array(n);
  const bb = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mu0 = m0[i]!;
    const mu1 = m1[i]!;
    const mu2 = m2[i]!;
    const p = mp[i]!;
    const cov0 = c0[i]! - mu0 * p;
    const cov1 = c1[i]! - mu1 * p;
    const cov2 = c2[i]! - mu2 * p;
    // Σ + εU, symmetric.
    const s00 = v00[i]! - mu0 * mu0 + eps;
    const s01 = v01[i]! - mu0 * mu1;
    const s02 = v02[i]! - mu0 * mu2;
    const s11 = v11[i]! - mu1 * mu1 + eps;
    const s12 = v12[i]! - mu1 * mu2;
    const s22 = v22[i]! - mu2 * mu2 + eps;
    // Inverse by cofactors.
    const i00 = s11 * s22 - s12 * s12;
    const i01 = s02 * s12 - s01 * s22;
    const i02 = s01 * s12 - s02 * s11;
    const i11 = s00 * s22 - s02 * s02;
    const i12 = s01 * s02 - s00 * s12;
    const i22 = s00 * s11 - s01 * s01;
    const det = s00 * i00 + s01 * i01 + s02 * i02;
    const k0 = (i00 * cov0 + i01 * cov1 + i02 * cov2) / det;
    const k1 = (i01 * cov0 + i11 * cov1 + i12 * cov2) / det;
    const k2 = (i02 * cov0 + i12 * cov1 + i22 * cov2) / det;
    a0[i] = k0;
    a1[i] = k1;
    a2[i] = k2;
    bb[i] = p - k0 * mu0 - k1 * mu1 - k2 * mu2;
  }
  return {
    ar: { data: box(a0), width: w, height: h },
    ag: { data: box(a1), width: w, height: h },
    ab: { data: box(a2), width: w, height: h },
    b: { data: box(bb), width: w, height: h },
  };
}

/** A rectangle of a map, in that map's pixels. */
export interface Window {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Applies coefficients fitted at a lower resolution to the full-resolution guide (the fast guided filter's
 * last step), clamped to 0..1, and blends the result into `base` (full resolution, edited in place) with
 * the weight `weight` (a map at the coefficients' resolution, sampled bilinearly): where the weight is 0,
 * nothing is computed. The coefficients cover `window` of the weight map (all of it when omitted); the
 * weight must be 0 outside the window shrunk by one pixel. `pixels` are interleaved 8-bit, `channels` per
 * pixel.
 */
export function applyGuidedInto(
  base: Float32Array,
  coefficients: GuidedCoefficients,
  weight: FloatMap,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  window: Window = { left: 0, top: 0, width: weight.width, height: weight.height },
): void {
  const { width: cw, height: ch } = weight;
  const sx = cw / width;
  const sy = ch / height;
  const ar = coefficients.ar.data;
  const ag = coefficients.ag.data;
  const ab = coefficients.ab.data;
  const bb = coefficients.b.data;
  const w = weight.data;
  const k = 1 / 255;
  const ww = window.width;
  // Full-resolution columns and rows whose samples can touch the window.
  const xFrom = Math.max(0, Math.floor(((window.left - 1 + 0.5) * width) / cw));
  const xTo = Math.min(width, Math.ceil(((window.left + ww + 0.5) * width) / cw) + 1);
  const yFrom = Math.max(0, Math.floor(((window.top - 1 + 0.5) * height) / ch));
  const yTo = Math.min(height, Math.ceil(((window.top + window.height + 0.5) * height) / ch) + 1);
  const span = Math.max(0, xTo - xFrom);
  const xs0 = new Int32Array(span);
  const xs1 = new Int32Array(span);
  const xw = new Float32Array(span);
  for (let x = xFrom; x < xTo; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), cw - 1);
    const x0 = Math.floor(fx);
    xs0[x - xFrom] = x0;
    xs1[x - xFrom] = Math.min(x0 + 1, cw - 1);
    xw[x - xFrom] = fx - x0;
  }
  const wl = window.left;
  const wt = window.top;
  const wh = window.height;
  for (let y = yFrom; y < yTo; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), ch - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, ch - 1);
    const wy = fy - y0;
    const r0 = y0 * cw;
    const r1 = y1 * cw;
    const q0 = Math.min(Math.max(y0 - wt, 0), wh - 1) * ww;
    const q1 = Math.min(Math.max(y1 - wt, 0), wh - 1) * ww;
    for (let x = xFrom; x < xTo; x++) {
      const t = x - xFrom;
      const x0 = xs0[t]!;
      const x1 = xs1[t]!;
      const wx = xw[t]!;
      const c00 = (1 - wx) * (1 - wy);
      const c01 = wx * (1 - wy);
      const c10 = (1 - wx) * wy;
      const c11 = wx * wy;
      const blend = w[r0 + x0]! * c00 + w[r0 + x1]! * c01 + w[r1 + x0]! * c10 + w[r1 + x1]! * c11;
      if (blend <= 0) continue;
      const u0 = Math.min(Math.max(x0 - wl, 0), ww - 1);
      const u1 = Math.min(Math.max(x1 - wl, 0), ww - 1);
      const i00 = q0 + u0;
      const i01 = q0 + u1;
      const i10 = q1 + u0;
      const i11 = q1 + u1;
      // Bilinear samples of the four coefficient maps, written out: this is the per-pixel inner loop.
      const a0 = ar[i00]! * c00 + ar[i01]! * c01 + ar[i10]! * c10 + ar[i11]! * c11;
      const a1 = ag[i00]! * c00 + ag[i01]! * c01 + ag[i10]! * c10 + ag[i11]! * c11;
      const a2 = ab[i00]! * c00 + ab[i01]! * c01 + ab[i10]! * c10 + ab[i11]! * c11;
      const b0 = bb[i00]! * c00 + bb[i01]! * c01 + bb[i10]! * c10 + bb[i11]! * c11;
      const j = (y * width + x) * channels;
      let q = (a0 * pixels[j]! + a1 * pixels[j + 1]! + a2 * pixels[j + 2]!) * k + b0;
      q = q < 0 ? 0 : q > 1 ? 1 : q;
      const i = y * width + x;
      base[i] = base[i]! + (q - base[i]!) * blend;
    }
  }
}
