/**
 * `denoise`: non-local means (Buades, Coll & Morel 2005), with the noise level measured from the image.
 *
 * Each pixel becomes a weighted mean of the pixels in a (2·`SEARCH_RADIUS`+1)² window whose surrounding
 * 3×3 patch looks like its own, weight `exp(−max(d² − 2σ², 0) / h²)` with `d²` the mean squared patch
 * difference over R, G and B — so edges and texture, whose patches differ, are averaged only with their
 * like, where a median or a blur would smear them. Parameters follow the IPOL reference for colour
 * images with σ ≤ 25 (3×3 patches, h = 0.55·σ); the search window is 11×11 instead of 21×21, to stay
 * fast in JavaScript.
 *
 * σ is measured, not assumed (`estimateNoise`, after Donoho & Johnstone's finest-scale wavelet estimate,
 * taken over the smoother parts of the photo so texture does not read as noise). A photo measured
 * below `MIN_SIGMA` is returned untouched (a clean photo stays clean); σ above `MAX_SIGMA` is treated as
 * `MAX_SIGMA`, so a busy texture misread as noise is not wiped out.
 *
 * Cost: (2r+1)²/2 offsets (patch distances are symmetric, so each offset serves both pixels), each a few
 * passes over the image with running sums: about 1 s per megapixel on one core.
 */
import { boxSum } from '../box-sum.js';
import type { RawImage } from '../types.js';

export const SEARCH_RADIUS = 5;
const PATCH_RADIUS = 1;
/** Filtering strength relative to σ (IPOL: 0.55 for 3×3 colour patches at σ ≤ 25). */
export const H_PER_SIGMA = 0.55;
/** Below this noise level (8-bit levels) the photo is left as it is. */
export const MIN_SIGMA = 2;
export const MAX_SIGMA = 25;
/** Which block's noise level stands for the photo's (0.25: the smoothest quarter). */
const NOISE_BLOCK_PERCENTILE = 0.25;

export interface DenoiseReport {
  readonly applied: boolean;
  /** Measured noise standard deviation, 8-bit levels. */
  readonly sigma: number;
}

/**
 * Noise σ (levels, per channel). The finest diagonal Haar coefficients `(a − b − c + d) / 2` of a 2×2 cell
 * carry the noise at full strength and little of smooth content; their σ (mean |x| · √(π/2)) is taken per
 * 16×16 block and the `NOISE_BLOCK_PERCENTILE` of blocks kept — the smoothest parts of the photo, where
 * texture does not pass for noise — then the median over R, G and B. Cells touching 0 or 255 are skipped
 * (clipping hides noise: a white backdrop would read as noiseless).
 */
export function estimateNoise(image: RawImage): number {
  const { width: w, height: h, data: d } = image;
  const B = 16;
  const sigmas: number[] = [];
  for (let c = 0; c < 3; c++) {
    const blockSigmas: number[] = [];
    for (let by = 0; by + B <= h; by += B) {
      for (let bx = 0; bx + B <= w; bx += B) {
        let sum = 0;
        let n = 0;
        for (let r = by; r < by + B; r += 2) {
          for (let x = bx; x < bx + B; x += 2) {
            const i = (r * w + x) * 4 + c;
            const a = d[i]!;
            const b = d[i + 4]!;
            const e = d[i + 4 * w]!;
            const f = d[i + 4 * w + 4]!;
            if (Math.min(a, b, e, f) === 0 || Math.max(a, b, e, f) === 255) continue;
            sum += Math.abs(a - b - e + f) / 2;
            n++;
          }
        }
        // A block needs most of its cells unclipped to say anything.
        if (n >= (B * B) / 8) blockSigmas.push((sum / n) * Math.sqrt(Math.PI / 2));
      }
    }
    if (blockSigmas.length === 0) return 0;
    blockSigmas.sort((a, b) => a - b);
    sigmas.push(blockSigmas[Math.floor(blockSigmas.length * NOISE_BLOCK_PERCENTILE)]!);
  }
  return sigmas.sort((a, b) => a - b)[1]!;
}

/** Denoises R, G and B (alpha kept) when the measured noise warrants it. */
export function denoise(image: RawImage, signal?: AbortSignal): { image: RawImage; report: DenoiseReport } {
  const measured = estimateNoise(image);
  if (measured < MIN_SIGMA) return { image, report: { applied: false, sigma: measured } };
  const sigma = Math.min(measured, MAX_SIGMA);
  const { width: w, height: h, data: d } = image;
  const n = w * h;
  const planes = [0, 1, 2].map((c) => Float32Array.from({ length: n }, (_, i) => d[i * 4 + c]!));
  const [pr, pg, pb] = planes as [Float32Array, Float32Array, Float32Array];
  const acc = planes.map((p) => Float32Array.from(p)) as [Float32Array, Float32Array, Float32Array];
  const wsum = new Float32Array(n).fill(1);
  const dist = new Float32Array(n);
  const tmp = new Float32Array(n);
  const patchArea = (2 * PATCH_RADIUS + 1) ** 2;
  const h2 = (H_PER_SIGMA * sigma) ** 2;
  const floor = 2 * sigma * sigma;
  const R = SEARCH_RADIUS;
  for (let dy = 0; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) {
      if (dy === 0 && dx <= 0) continue;
      signal?.throwIfAborted();
      // Squared colour difference between p and p + (dx, dy), where both are inside the image.
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(w, w - dx);
      dist.fill(0);
      for (let y = 0; y + dy < h; y++) {
        const row = y * w;
        const row2 = (y + dy) * w + dx;
        for (let x = x0; x < x1; x++) {
          const a = row + x;
          const b = row2 + x;
          const er = pr[a]! - pr[b]!;
          const eg = pg[a]! - pg[b]!;
          const eb = pb[a]! - pb[b]!;
          dist[a] = er * er + eg * eg + eb * eb;
        }
      }
      boxSum(dist, w, h, PATCH_RADIUS, dist, tmp);
      for (let y = 0; y + dy < h; y++) {
        const row = y * w;
        const row2 = (y + dy) * w + dx;
        for (let x = x0; x < x1; x++) {
          const a = row + x;
          const d2 = dist[a]! / (3 * patchArea);
          const excess = d2 - floor;
          const weight = excess <= 0 ? 1 : Math.exp(-excess / h2);
          if (weight < 1e-4) continue;
          const b = row2 + x;
          acc[0][a]! += weight * pr[b]!;
          acc[1][a]! += weight * pg[b]!;
          acc[2][a]! += weight * pb[b]!;
          wsum[a]! += weight;
          acc[0][b]! += weight * pr[a]!;
          acc[1][b]! += weight * pg[a]!;
          acc[2][b]! += weight * pb[a]!;
          wsum[b]! += weight;
        }
      }
    }
  }
  const out = Buffer.from(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++)
      out[i * 4 + c] = Math.max(0, Math.min(255, Math.round(acc[c]![i]! / wsum[i]!)));
  }
  return { image: { ...image, data: out }, report: { applied: true, sigma: measured } };
}
