/**
 * Colour decontamination: the colour of the subject alone where its edge is semi-transparent. A pixel at
 * alpha α shows I = αF + (1 − α)B, so keeping I as the cut-out's colour keeps a fringe of the old background
 * (the halo users see when a product shot on green is put on white). We estimate F with Blur-Fusion
 * (Forte & Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021), eq. 4–5:
 *
 *   F̂_i = Σ_j F_j α_j / Σ_j α_j,   B̂_i = Σ_j B_j (1 − α_j) / Σ_j (1 − α_j)   (box windows around i)
 *   F_i = F̂_i + α_i (I_i − α_i F̂_i − (1 − α_i) B̂_i)
 *
 * run twice, with a large then a small window (the paper's 90 px then 6 px boxes, i.e. radii 45 and 3, at
 * about 1 MP; the caller scales them with the image). Box sums are O(1) per pixel for any radius, so this costs a few dozen passes over the image.
 */
import { boxMean } from './float-map.js';

export interface ForegroundOptions {
  /** The two radii, in px at the image's resolution (large then small). */
  readonly radii: readonly number[];
}

/**
 * Returns the estimated foreground colours as interleaved RGB floats 0..1. `pixels` are interleaved 8-bit
 * with `channels` per pixel; `alpha` is 0..1 per pixel.
 */
export function estimateForeground(
  pixels: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  channels: number,
  options: ForegroundOptions,
): Float32Array[] {
  const n = width * height;
  const image = [0, 1, 2].map((c) => {
    const plane = new Float32Array(n);
    for (let i = 0, j = c; i < n; i++, j += channels) plane[i] = pixels[j]! / 255;
    return plane;
  });
  const inverse = new Float32Array(n);
  for (let i = 0; i < n; i++) inverse[i] = 1 - alpha[i]!;
  // F and B start as the image itself.
  const F = image.map((p) => p.slice());
  const B = image.map((p) => p.slice());
  const weighted = new Float32Array(n);
  for (const r of options.radii) {
    const sumA = boxMean(alpha, width, height, r);
    const sumInv = boxMean(inverse, width, height, r);
    for (let c = 0; c < 3; c++) {
      const f = F[c]!;
      const b = B[c]!;
      const I = image[c]!;
      for (let i = 0; i < n; i++) weighted[i] = f[i]! * alpha[i]!;
      const fHat = boxMean(weighted, width, height, r);
      for (let i = 0; i < n; i++) weighted[i] = b[i]! * inverse[i]!;
      const bHat = boxMean(weighted, width, height, r);
      for (let i = 0; i < n; i++) {
        const a = alpha[i]!;
        const fh = fHat[i]! / (sumA[i]! + 1e-5);
        const bh = bHat[i]! / (sumInv[i]! + 1e-5);
        const residual = I[i]! - a * fh - (1 - a) * bh;
        const fv = fh + a * residual;
        f[i] = fv < 0 ? 0 : fv > 1 ? 1 : fv;
        // As in the reference implementation, the next pass uses the blurred background itself.
        b[i] = bh;
      }
    }
  }
  return F;
}
